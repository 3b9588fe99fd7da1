/** The dev kit's programmable loopback HTTP server. */
import { expect } from 'chai';
import { connect } from 'node:net';

import { HttpServer } from '../../devkit/http-server';
import { waitFor } from '../../devkit/wait';

describe('devkit HTTP server', () => {
  let server: HttpServer;

  beforeEach(async () => {
    server = await new HttpServer().start();
  });
  afterEach(() => server.close());

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });

  it('listens on a free port of 127.0.0.1 and answers 404 where no route is', async () => {
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.host).to.equal(`127.0.0.1:${server.port}`);
    const response = await call('/nowhere?x=1');
    expect(response.status).to.equal(404);
    expect(await response.json()).to.deep.equal({ error: 'no route for GET /nowhere' });
  });

  it('routes by method and path, a string or a RegExp whose groups the handler gets', async () => {
    server.on('GET', '/ready', { status: 204 });
    server.on('POST', /^\/topics\/([^/:]+):publish$/, (request, [topic]) => ({
      status: 200,
      body: { topic, got: request.body },
    }));
    server.on('*', '/any', { body: 'any method' });
    expect((await call('/ready?probe=1')).status).to.equal(204);
    expect((await call('/ready', { method: 'POST' })).status).to.equal(404);
    const published = await call('/topics/echo:publish', { method: 'POST', body: 'hi' });
    expect(published.headers.get('content-type')).to.equal('application/json');
    expect(await published.json()).to.deep.equal({ topic: 'echo', got: 'hi' });
    expect(await (await call('/any', { method: 'DELETE' })).text()).to.equal('any method');
  });

  it('records every request: method, path with query, headers and body', async () => {
    await call('/a?b=c', { method: 'PUT', body: 'payload', headers: { 'X-Test': 'yes' } });
    const [request] = server.requests;
    expect(request).to.deep.include({ method: 'PUT', path: '/a?b=c', body: 'payload' });
    expect(request!.headers['x-test']).to.equal('yes');
    expect(request!.at).to.be.a('number');
    expect(server.requestsTo('/a')).to.have.length(1);
    server.reset();
    expect(server.requests).to.deep.equal([]);
  });

  it('plays queued answers in order, of the server and of a route, then the script again', async () => {
    server.on('GET', '/r', { status: 200, body: 'script' }).enqueue({ status: 503 }, { status: 429 });
    expect((await call('/r')).status).to.equal(503);
    expect((await call('/r')).status).to.equal(429);
    expect(await (await call('/r')).text()).to.equal('script');
    server.enqueue({ status: 500, headers: { 'Retry-After': '1' } });
    const queued = await call('/r');
    expect(queued.status).to.equal(500);
    expect(queued.headers.get('retry-after')).to.equal('1');
    server.otherwise(async (request) => ({ status: 202, body: `fallback ${request.method}` }));
    expect(await (await call('/other')).text()).to.equal('fallback GET');
  });

  it('delays an answer, drops a connection, and answers 500 when a handler throws', async () => {
    server.on('GET', '/slow', { status: 200, delayMs: 100 });
    server.on('GET', '/drop', 'drop');
    server.on('GET', '/broken', () => {
      throw new Error('oops');
    });
    const started = Date.now();
    expect((await call('/slow')).status).to.equal(200);
    expect(Date.now() - started).to.be.at.least(90);
    const dropped = await call('/drop').then(
      () => undefined,
      (error: Error) => error,
    );
    expect(dropped).to.be.an('error');
    const broken = await call('/broken');
    expect(broken.status).to.equal(500);
    expect(await broken.json()).to.deep.equal({ error: 'http-server handler failed: oops' });
  });

  it('closes with connections open: a hanging request, an idle keep-alive one, a half-sent one', async () => {
    server.on('GET', '/hang', 'hang');
    const hanging = call('/hang').then(
      () => 'answered',
      () => 'ended',
    );
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
    await waitFor(() => server.requestsTo('/hang').length === 1, { timeoutMs: 5_000, what: 'the hanging request' });
    await server.close();
    expect(await hanging).to.equal('ended');
    await waitFor(() => socket.destroyed || socket.readableEnded, { timeoutMs: 5_000, what: 'the raw socket to end' });
    socket.destroy();
  });
});
