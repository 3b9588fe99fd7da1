/** The dev kit's proxy base: forwarding, streaming, reading whole, and closing. */
import { expect } from 'chai';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

import { HttpServer } from '../../devkit/http-server';
import { HttpProxy, readBody } from '../../devkit/proxy';
import { waitFor } from '../../devkit/wait';

/** A proxy that reads every request whole, forwards it and answers what came back (as a fault proxy does). */
class WholeProxy extends HttpProxy {
  protected override async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(incoming);
    const answer = await this.forward({
      method: incoming.method!,
      path: incoming.url!,
      headers: incoming.headers,
      body,
    });
    this.reply(response, answer);
  }
}

describe('devkit proxy base', () => {
  let target: HttpServer;
  const proxies: HttpProxy[] = [];

  beforeEach(async () => {
    target = await new HttpServer()
      .otherwise((request) => ({
        status: 201,
        headers: { 'x-seen-host': request.headers.host ?? '' },
        body: { method: request.method, path: request.path, body: request.body, custom: request.headers['x-custom'] },
      }))
      .start();
  });
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
    await target.close();
  });

  const started = async (proxy: HttpProxy) => (proxies.push(proxy), proxy.start(target.url));

  for (const [kind, make] of [
    ['streaming', () => new HttpProxy({ name: 'plain' })],
    ['whole', () => new WholeProxy({ name: 'whole' })],
  ] as const) {
    it(`forwards method, path, headers and body, and brings the answer back (${kind})`, async () => {
      const url = await started(make());
      const response = await fetch(`${url}/a/b?c=d`, {
        method: 'POST',
        body: 'hello',
        headers: { 'x-custom': 'kept' },
      });
      expect(response.status).to.equal(201);
      expect(response.headers.get('x-seen-host')).to.equal(target.host);
      expect(await response.json()).to.deep.equal({ method: 'POST', path: '/a/b?c=d', body: 'hello', custom: 'kept' });
      const get = await fetch(`${url}/again`);
      expect(((await get.json()) as { method: string }).method).to.equal('GET');
    });
  }

  it('hands a compressed answer over decoded when it reads it whole', async () => {
    target.on('GET', '/zipped', {
      headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
      body: gzipSync('unzipped'),
    });
    const url = await started(new WholeProxy({ name: 'whole' }));
    const response = await fetch(`${url}/zipped`);
    expect(response.headers.get('content-encoding')).to.equal(null);
    expect(await response.text()).to.equal('unzipped');
  });

  it('answers 502 when the target is not there', async () => {
    const proxy = new HttpProxy({ name: 'lonely' });
    proxies.push(proxy);
    const url = await proxy.start('http://127.0.0.1:1');
    const response = await fetch(`${url}/x`);
    expect(response.status).to.equal(502);
    expect(await response.text()).to.match(/^lonely proxy: /);
  });

  it('says when it is not started or has no target, and closes with a request still open', async () => {
    const proxy = new HttpProxy({ name: 'idle' });
    expect(() => proxy.url).to.throw('idle proxy is not started');
    await proxy.start().then(
      () => expect.fail('started without a target'),
      (error: Error) => expect(error.message).to.equal('idle proxy has no target'),
    );
    target.on('GET', '/hang', 'hang');
    const url = await started(new HttpProxy({ name: 'closing' }));
    const pending = fetch(`${url}/hang`).then(
      () => 'answered',
      () => 'ended',
    );
    await waitFor(() => target.requestsTo('/hang').length === 1, {
      timeoutMs: 5_000,
      what: 'the request to reach the target',
    });
    await proxies.pop()!.close();
    expect(await pending).to.equal('ended');
  });
});
