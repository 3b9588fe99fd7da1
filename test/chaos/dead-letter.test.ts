import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DEAD_LETTER_OF, DeadLetterStandIn } from '../../chaos/dead-letter';
import { FaultProxy } from '../../chaos/fault-proxy';

/** A server that answers `status` to every request and keeps the bodies it got. */
async function server(status: number): Promise<{ url: string; server: Server; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const listening = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push({ path: request.url, body: JSON.parse(body || '{}') as unknown });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, server: listening, bodies };
}

const push = (messageId: string) => ({
  subscription: 'projects/local-project/subscriptions/echo-requests-push',
  message: { messageId, data: Buffer.from('{"requestId":"r1"}').toString('base64'), attributes: { a: '1' } },
});

describe('dead-letter stand-in (chaos/dead-letter.ts) in the push proxy', () => {
  const servers: Server[] = [];
  let proxy: FaultProxy;

  afterEach(async () => {
    await proxy?.close();
    for (const listening of servers.splice(0)) listening.close();
  });

  it('passes failures on until the limit, then publishes the message to the dead-letter topic and acks it', async () => {
    const [failing, emulator] = [await server(500), await server(200)];
    servers.push(failing.server, emulator.server);
    const standIn = new DeadLetterStandIn(3, 'echo-requests-dead-letter');
    standIn.useEmulator(emulator.url);
    proxy = new FaultProxy({ name: 'push', onFailure: (request) => standIn.failed(request) });
    const url = await proxy.start(failing.url);
    const send = async (messageId: string) =>
      (await fetch(`${url}/push`, { method: 'POST', body: JSON.stringify(push(messageId)) })).status;
    expect([await send('m1'), await send('m1'), await send('m2')]).to.deep.equal([500, 500, 500]);
    expect(emulator.bodies).to.deep.equal([]);
    expect(await send('m1')).to.equal(204);
    expect(standIn.deadLettered).to.equal(1);
    expect(emulator.bodies).to.deep.equal([
      {
        path: '/v1/projects/local-project/topics/echo-requests-dead-letter:publish',
        body: {
          messages: [
            {
              data: push('m1').message.data,
              attributes: {
                a: '1',
                CloudPubSubDeadLetterSourceDeliveryCount: '3',
                CloudPubSubDeadLetterSourceSubscription: 'echo-requests-push',
                CloudPubSubDeadLetterSourceSubscriptionProject: 'local-project',
                [DEAD_LETTER_OF]: 'm1',
              },
            },
          ],
        },
      },
    ]);
  });

  it('keeps the failure when the dead-letter publish fails, and counts a function that cannot be reached', async () => {
    const emulator = await server(503);
    servers.push(emulator.server);
    const standIn = new DeadLetterStandIn(1, 'dl');
    standIn.useEmulator(emulator.url);
    proxy = new FaultProxy({
      name: 'push',
      upstreamFailureStatus: 502,
      onFailure: (request) => standIn.failed(request),
    });
    const url = await proxy.start('http://127.0.0.1:1');
    const answer = await fetch(`${url}/push`, { method: 'POST', body: JSON.stringify(push('m1')) });
    expect(answer.status).to.equal(502);
    expect(emulator.bodies).to.have.length(1);
  });
});
