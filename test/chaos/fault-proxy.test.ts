import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { FaultProxy, type Exchange } from '../../chaos/fault-proxy';

/** The far side: counts requests, answers 200 with what it got, and 201 for /slow after a while. */
async function startUpstream(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      hits.push(`${request.method} ${request.url} ${body}`);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ got: body, path: request.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('chaos fault proxy', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: FaultProxy;
  let exchanges: Exchange[];
  let injected: string[];

  beforeEach(async () => {
    upstream = await startUpstream();
    exchanges = [];
    injected = [];
    proxy = new FaultProxy({
      name: 'test',
      matches: (request) => request.path.startsWith('/faulty'),
      onExchange: (e) => exchanges.push(e),
    });
    await proxy.start(upstream.url);
  });

  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  const post = (path: string, body = 'hello') =>
    fetch(`${proxy.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      signal: AbortSignal.timeout(5_000),
    });
  const arm = (action: Parameters<FaultProxy['arm']>[0]['action']) =>
    proxy.arm({ action, onInjected: (request) => injected.push(request.path) });

  it('forwards requests as they are, and tells what the far side answered', async () => {
    const response = await post('/faulty/x?q=1', 'data');
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ got: 'data', path: '/faulty/x?q=1' });
    expect(upstream.hits).to.deep.equal(['POST /faulty/x?q=1 data']);
    expect(exchanges).to.have.length(1);
    expect(exchanges[0].status).to.equal(200);
    expect(exchanges[0].fault).to.equal(undefined);
  });

  it('refuses the next matching request with the armed status, once, without forwarding it', async () => {
    arm({ kind: 'refuse', status: 429 });
    expect((await post('/other')).status).to.equal(200); // does not match: passes, the fault stays armed
    expect(proxy.pending).to.equal(1);
    expect((await post('/faulty')).status).to.equal(429);
    expect((await post('/faulty')).status).to.equal(200);
    expect(upstream.hits).to.have.length(2);
    expect(injected).to.deep.equal(['/faulty']);
  });

  it('hangs: no answer, then the connection is dropped', async () => {
    arm({ kind: 'hang', holdMs: 300 });
    const started = Date.now();
    const error = await post('/faulty').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error, 'the request should fail').to.be.an('error');
    expect(Date.now() - started).to.be.at.least(250);
    expect(upstream.hits).to.deep.equal([]);
  });

  it('replaces the answer after forwarding (the far side acted, the caller sees a failure)', async () => {
    arm({ kind: 'replace-answer', status: 503 });
    expect((await post('/faulty')).status).to.equal(503);
    expect(upstream.hits).to.have.length(1);
    expect(exchanges[0]).to.deep.include({ status: 200, fault: 'replace-answer' });
  });

  it('drops the answer after forwarding', async () => {
    arm({ kind: 'drop-answer' });
    const error = await post('/faulty').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).to.be.an('error');
    expect(upstream.hits).to.have.length(1);
    expect(exchanges[0]).to.deep.include({ status: 200, fault: 'drop-answer' });
  });

  it('holds the answer until released', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let seen: Exchange | undefined;
    arm({ kind: 'hold-answer', release: (exchange) => ((seen = exchange), released) });
    let answered = false;
    const pending = post('/faulty', 'held').then((response) => ((answered = true), response.status));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upstream.hits).to.have.length(1);
    expect(answered).to.equal(false);
    expect(seen?.body?.toString()).to.contain('held');
    release();
    expect(await pending).to.equal(200);
  });

  it('delivers one request twice at once', async () => {
    arm({ kind: 'duplicate' });
    expect((await post('/faulty', 'twice')).status).to.equal(200);
    expect(upstream.hits).to.deep.equal(['POST /faulty twice', 'POST /faulty twice']);
  });

  it('looks like a dead server while the far side is down', async () => {
    await upstream.close();
    const error = await post('/faulty').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).to.be.an('error');
  });

  it('answers a status of its choice instead when it stands for a front end', async () => {
    const frontEnd = new FaultProxy({ name: 'front end', upstreamFailureStatus: 502 });
    await frontEnd.start(upstream.url);
    await upstream.close();
    try {
      const response = await fetch(`${frontEnd.url}/push`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).to.equal(502);
    } finally {
      await frontEnd.close();
    }
  });

  it('holds a request while the far side refuses connections, and forwards it once it is back', async () => {
    const port = Number(new URL(upstream.url).port);
    const holding = new FaultProxy({ name: 'holding', holdWhileDownMs: 5_000, upstreamFailureStatus: 503 });
    await holding.start(upstream.url);
    await upstream.close();
    try {
      const pending = fetch(`${holding.url}/push`, {
        method: 'POST',
        body: 'later',
        signal: AbortSignal.timeout(10_000),
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
      const back = createServer((_request, response) => {
        response.writeHead(204);
        response.end();
      });
      await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
      try {
        expect((await pending).status).to.equal(204);
      } finally {
        back.closeAllConnections();
        await new Promise<void>((resolve) => back.close(() => resolve()));
      }
    } finally {
      await holding.close();
    }
  });

  it('withdraws armed faults on disarm', async () => {
    arm({ kind: 'refuse', status: 500 });
    expect(proxy.disarm()).to.equal(1);
    expect((await post('/faulty')).status).to.equal(200);
  });
});
