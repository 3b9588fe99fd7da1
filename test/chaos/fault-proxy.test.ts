import { expect } from 'chai';

import { FaultProxy, type Exchange } from '../../chaos/fault-proxy';
import { HttpServer } from '../../devkit/http-server';
import { waitFor } from '../../devkit/wait';

/** The far side: counts requests, answers 200 with what it got. */
async function startUpstream(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = await new HttpServer()
    .otherwise((request) => {
      hits.push(`${request.method} ${request.path} ${request.body}`);
      return { status: 200, body: { got: request.body, path: request.path } };
    })
    .start();
  return { url: server.url, hits, close: () => server.close() };
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
    await waitFor(() => seen, { timeoutMs: 5_000, what: 'the far side to answer the held request' });
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
    let received = false;
    const holding = new FaultProxy({
      name: 'holding',
      holdWhileDownMs: 5_000,
      upstreamFailureStatus: 503,
      matches: () => (received = true),
    });
    await holding.start(upstream.url);
    await upstream.close();
    try {
      const pending = fetch(`${holding.url}/push`, {
        method: 'POST',
        body: 'later',
        signal: AbortSignal.timeout(10_000),
      });
      // Back once the proxy holds the request (it tries again every 200 ms).
      await waitFor(() => received, { timeoutMs: 5_000, what: 'the request to reach the proxy' });
      const back = await new HttpServer({ port }).otherwise({ status: 204 }).start();
      try {
        expect((await pending).status).to.equal(204);
      } finally {
        await back.close();
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
