import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { freePort } from '../../devkit/loopback';
import { EngineFront } from '../../local/engine-front';

/** A stand-in engine that answers every request with its name and counts what it got. */
async function standIn(name: string): Promise<{ url: string; server: Server; got: string[] }> {
  const got: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      got.push(body);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ name }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, got };
}

const ask = async (front: EngineFront, body = 'x'): Promise<{ status: number; name?: string }> => {
  const answer = await fetch(`${front.url}/engine-rest/message`, { method: 'POST', body });
  const parsed = (await answer.json()) as { name?: string };
  return { status: answer.status, ...(parsed.name ? { name: parsed.name } : {}) };
};

describe('engine front (local/engine-front.ts)', () => {
  const servers: Server[] = [];
  let front: EngineFront;

  afterEach(async () => {
    await front?.close();
    for (const server of servers.splice(0)) server.close();
  });

  it('routes round-robin over its engines, bodies intact', async () => {
    const [a, b] = [await standIn('a'), await standIn('b')];
    servers.push(a.server, b.server);
    front = new EngineFront();
    await front.start(a.url);
    front.add(b.url);
    const names = [];
    for (let i = 0; i < 4; i += 1) names.push((await ask(front, `reply-${i}`)).name);
    expect(names).to.deep.equal(['a', 'b', 'a', 'b']);
    expect([...a.got, ...b.got].sort()).to.deep.equal(['reply-0', 'reply-1', 'reply-2', 'reply-3']);
    expect([front.answeredBy(a.url), front.answeredBy(b.url)]).to.deep.equal([2, 2]);
  });

  it('tries a refused request on the next engine, and routes nothing to a removed one', async () => {
    const a = await standIn('a');
    servers.push(a.server);
    const dead = `http://127.0.0.1:${await freePort()}`;
    front = new EngineFront();
    await front.start(dead);
    front.add(a.url);
    for (let i = 0; i < 3; i += 1) expect(await ask(front)).to.deep.equal({ status: 200, name: 'a' });
    front.remove(a.url);
    expect(front.targetUrls).to.deep.equal([dead]);
    // Only a refusing engine left: the connection is dropped, as from a dead instance.
    let failed = false;
    await ask(front).catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it('answers 503 while no engine serves', async () => {
    const a = await standIn('a');
    servers.push(a.server);
    front = new EngineFront();
    await front.start(a.url);
    front.remove(a.url);
    expect(await ask(front)).to.deep.equal({ status: 503 });
    front.add(a.url);
    expect(await ask(front)).to.deep.equal({ status: 200, name: 'a' });
  });
});
