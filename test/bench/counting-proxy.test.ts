import { expect } from 'chai';

import { startCountingProxy, type CountingProxy } from '../../bench/counting-proxy';
import { HttpServer } from '../../devkit/http-server';

describe('counting proxy', () => {
  let target: HttpServer;
  let proxy: CountingProxy;

  before(async () => {
    target = await new HttpServer()
      .otherwise((request) => ({
        status: 201,
        body: { method: request.method, url: request.path, body: request.body },
      }))
      .start();
    proxy = await startCountingProxy(target.url);
  });

  after(async () => {
    await proxy.close();
    await target.close();
  });

  it('forwards requests with their body, status and answer, and counts them per path', async () => {
    const answer = await fetch(`${proxy.url}/engine-rest/message?x=1`, { method: 'POST', body: 'hello' });
    expect(answer.status).to.equal(201);
    expect(await answer.json()).to.deep.equal({ method: 'POST', url: '/engine-rest/message?x=1', body: 'hello' });
    await fetch(`${proxy.url}/engine-rest/message`).then((r) => r.text());
    await fetch(`${proxy.url}/other`).then((r) => r.text());
    expect(proxy.count).to.equal(3);
    expect(Object.fromEntries(proxy.byPath)).to.deep.equal({ '/engine-rest/message': 2, '/other': 1 });
  });

  it('starts counting afresh after a reset', async () => {
    proxy.reset();
    expect(proxy.count).to.equal(0);
    await fetch(`${proxy.url}/again`).then((r) => r.text());
    expect(proxy.count).to.equal(1);
  });

  it('answers 502 when the engine is not there', async () => {
    const nowhere = await startCountingProxy('http://127.0.0.1:1');
    try {
      const answer = await fetch(`${nowhere.url}/x`);
      expect(answer.status).to.equal(502);
      expect(nowhere.count).to.equal(1);
    } finally {
      await nowhere.close();
    }
  });
});
