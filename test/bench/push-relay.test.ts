/**
 * The benchmark's push relay (bench/push-relay/relay.ts) against the real Pub/Sub emulator: it POSTs
 * each message as Pub/Sub's push body, acks on 2xx and nacks anything else for redelivery, and never
 * has more POSTs out than its concurrency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { startPushRelay, type PushRelay, type RelayDelivery } from '../../bench/push-relay/relay';
import { HttpServer, type RecordedRequest, type Reply } from '../../devkit/http-server';
import { sleep, waitFor } from '../../devkit/wait';
import { startPubsubEmulator, type PubsubEmulator } from '../../local/pubsub-emulator';

interface PushBody {
  message: { data: string; attributes: Record<string, string>; messageId: string; publishTime: string };
  subscription: string;
  deliveryAttempt?: number;
}

const dataOf = (request: RecordedRequest) =>
  Buffer.from((JSON.parse(request.body) as PushBody).message.data, 'base64').toString('utf8');

describe('push relay (on the Pub/Sub emulator)', function () {
  this.timeout(90_000);
  let dir: string;
  let emulator: PubsubEmulator;
  const closing: Array<{ close(): Promise<void> }> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'push-relay-'));
    emulator = await startPubsubEmulator({ dataDir: dir });
    await emulator.createTopic('dead-letters');
  });

  afterEach(async () => {
    for (const part of closing.splice(0).reverse()) await part.close();
  });

  after(async () => {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function subscribed(name: string): Promise<void> {
    await emulator.createTopic(name);
    // A dead-letter policy makes the emulator count delivery attempts, as PushWorker's subscription does.
    await emulator.createPullSubscription(name, name, {
      ackDeadlineSeconds: 10,
      deadLetterPolicy: { deadLetterTopic: 'dead-letters', maxDeliveryAttempts: 10 },
    });
  }

  function relay(subscription: string, endpoint: HttpServer, concurrency: number, deliveries: RelayDelivery[]) {
    const started: PushRelay = startPushRelay({
      emulatorHost: emulator.hostPort,
      project: emulator.project,
      subscription,
      endpoint: `${endpoint.url}/push`,
      concurrency,
      onDelivery: (delivery) => deliveries.push(delivery),
    });
    closing.push(started);
    return started;
  }

  it("POSTs Pub/Sub's push body, acks on 2xx and nacks anything else for redelivery", async () => {
    await subscribed('answers');
    const answered = new Map<string, number>();
    // ok: 204 at once; fail-once: 500, then 200; moved-once: 302, then 204; gone-once: no answer, then 204.
    const firstAnswer: Record<string, number | 'drop'> = {
      ok: 204,
      'fail-once': 500,
      'moved-once': 302,
      'gone-once': 'drop',
    };
    const endpoint = new HttpServer().otherwise((request): Reply => {
      const data = dataOf(request);
      const seen = answered.get(data) ?? 0;
      answered.set(data, seen + 1);
      const first = firstAnswer[data];
      if (seen > 0) return { status: data === 'fail-once' ? 200 : 204 };
      if (first === 'drop') return 'drop';
      return { status: first, headers: first === 302 ? { location: 'http://127.0.0.1:1/' } : undefined };
    });
    await endpoint.start();
    closing.push(endpoint);
    const deliveries: RelayDelivery[] = [];
    const started = relay('answers', endpoint, 8, deliveries);
    const publishing = Date.now();
    await emulator.publish('answers', [
      { data: 'ok', attributes: { taskType: 'echo' } },
      { data: 'fail-once' },
      { data: 'moved-once' },
      { data: 'gone-once' },
    ]);
    await waitFor(() => started.counts.acked === 4, { timeoutMs: 30_000, what: 'four messages acked' });

    expect(started.counts.nacked).to.equal(3);
    expect(Object.fromEntries(answered)).to.deep.equal({ ok: 1, 'fail-once': 2, 'moved-once': 2, 'gone-once': 2 });
    const bodies = endpoint.requests.map((request) => ({
      data: dataOf(request),
      body: JSON.parse(request.body) as PushBody,
    }));
    const ok = bodies.find((b) => b.data === 'ok')!.body;
    expect(ok.subscription).to.equal(emulator.subscriptionPath('answers'));
    expect(ok.message.attributes).to.deep.equal({ taskType: 'echo' });
    expect(ok.message.messageId).to.be.a('string').and.not.equal('');
    expect(Date.parse(ok.message.publishTime)).to.be.a('number').and.not.NaN;
    expect(ok.deliveryAttempt).to.equal(1);
    const retried = bodies.filter((b) => b.data === 'fail-once').map((b) => b.body.deliveryAttempt);
    expect(retried).to.deep.equal([1, 2]);
    // What the bench splits a round trip by: the message's attributes, its publish time and its receipt.
    const okDelivery = deliveries.find((d) => d.status === 204 && d.attributes.taskType === 'echo')!;
    expect(okDelivery.publishedAt).to.equal(Date.parse(ok.message.publishTime));
    expect(okDelivery.publishedAt).to.be.within(publishing - 1000, okDelivery.receivedAt + 1);
    expect(okDelivery.receivedAfterPublishMs).to.equal(okDelivery.receivedAt - okDelivery.publishedAt);
    const byStatus = deliveries.map((d) => [d.status, d.acked]);
    expect(byStatus).to.deep.include.members([
      [204, true],
      [500, false],
      [200, true],
      [302, false],
      [0, false],
    ]);
  });

  it('never has more POSTs out than its concurrency, and delivers everything as they are answered', async () => {
    await subscribed('bounded');
    const held: Array<() => void> = [];
    let open = 0;
    let mostOpen = 0;
    const endpoint = new HttpServer({ record: false }).otherwise(async () => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      await new Promise<void>((release) => held.push(release));
      open -= 1;
      return { status: 204 };
    });
    await endpoint.start();
    closing.push(endpoint);
    const started = relay('bounded', endpoint, 2, []);
    await emulator.publish(
      'bounded',
      Array.from({ length: 6 }, (_, i) => ({ data: `m${i}` })),
    );
    for (let answered = 0; answered < 6; answered += 1) {
      await waitFor(() => held.length > 0, { timeoutMs: 30_000, what: `POST number ${answered + 1}` });
      // Give the relay the chance to send more than it may before one is answered.
      await sleep(200);
      held.shift()!();
    }
    await waitFor(() => started.counts.acked === 6, { timeoutMs: 30_000, what: 'six messages acked' });
    expect(mostOpen).to.equal(2);
    expect(started.counts.mostInFlight).to.equal(2);
    expect(started.counts.nacked).to.equal(0);
  });
});
