/**
 * End to end, with nothing faked: the official Pub/Sub emulator pushes the engine's echo requests to
 * the real echo function in the Functions Framework, which correlates the replies with the real engine
 * (the packaged jar on H2). Two loops turn for at least 100 iterations each while the monitor samples
 * them. Then the function goes away for a while: the monitor must see the loops stall, and Pub/Sub's
 * redelivery (the subscription's retry policy) must carry them on once it is back. Every process the
 * stack started ends with it.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { eventually } from '../../local/camunda-rest';
import { isAlive } from '../../local/processes';
import type { DeliveryLine } from '../../local/deliveries';
import { startEchoFunction, type RunningEchoFunction } from '../../local/echo-function';
import { LoopMonitor } from '../../local/loop-monitor';
import { startLocalStack, type LocalStack } from '../../local/stack';

const LOOPS = ['loop-a', 'loop-b'];
const ITERATIONS = 100;
/** The invariants below must hold at each of at least this many monitor samples, however fast the loops turn. */
const MIN_SAMPLES = 40;

describe('local stack end to end: emulator, function and engine', function () {
  this.timeout(180_000);

  let runFolder: string;
  let stack: LocalStack | undefined;
  let loopIds: Map<string, string>;
  let replacement: RunningEchoFunction | undefined;

  before(async function () {
    this.timeout(120_000);
    runFolder = mkdtempSync(join(tmpdir(), 'camunda-serverless-local-'));
    stack = await startLocalStack({ runFolder });
  });

  after(async () => {
    await replacement?.stop();
    await stack?.stop();
    // KEEP_LOCAL_RUN=1 keeps the logs for a look after a failure.
    if (!process.env.KEEP_LOCAL_RUN) rmSync(runFolder, { recursive: true, force: true });
  });

  it(`turns ${LOOPS.length} loops ${ITERATIONS}+ iterations each: never broken, never multiplied, each reply delivered once, no incident`, async () => {
    const { rest, deliveries } = stack!;
    const monitor = new LoopMonitor({
      rest,
      stallMs: 30_000,
      sampleEveryMs: 250,
      drainDeadLetters: () => stack!.drainDeadLetters(),
    });
    loopIds = await stack!.startLoops(LOOPS);
    for (const [name, id] of loopIds) monitor.watch(name, id);
    monitor.start();
    try {
      await eventually(
        `${ITERATIONS} iterations of every loop, seen in ${MIN_SAMPLES} samples`,
        async () =>
          monitor.broken ||
          monitor.multiplied ||
          ([...monitor.loops.values()].every((loop) => loop.iterations >= ITERATIONS) &&
            monitor.totalsSoFar.samples >= MIN_SAMPLES),
        150_000,
        250,
      );
    } finally {
      await monitor.stop();
    }

    for (const loop of monitor.loops.values()) {
      expect(loop, loop.name).to.deep.include({ broken: false, multiplied: false, maxActiveEcho: 1, minActiveEcho: 1 });
      expect(loop.iterations, loop.name).to.be.at.least(ITERATIONS);
      // The function delivered iterations 1, 2, 3, ... of this loop, each exactly once: no gap, no double.
      const delivered = deliveries.deliveredIterations.get(loop.name) ?? new Map<number, number>();
      const numbers = [...delivered.keys()].sort((a, b) => a - b);
      expect(numbers.slice(0, loop.iterations), loop.name).to.deep.equal(
        Array.from({ length: loop.iterations }, (_, i) => i + 1),
      );
      expect(
        [...delivered.values()].every((times) => times === 1),
        `${loop.name}: an iteration delivered twice`,
      ).to.equal(true);
    }
    expect(monitor.totalsSoFar.failedSamples).to.equal(0);
    expect(await rest.count('incident')).to.equal(0);
    expect(monitor.totalsSoFar.deadLettered).to.equal(0);
    expect(deliveries.counts.invalid).to.equal(0);
    expect(deliveries.counts.failed, 'a payload the echo worker refused').to.equal(0);
    expect(deliveries.roundTrips.length).to.be.at.least(LOOPS.length * ITERATIONS);
    expect(deliveries.percentiles().p50).to.be.a('number').and.be.greaterThan(0);
  });

  it('creates the push subscription with a retry policy and a dead-letter topic', async () => {
    const { emulator, subscription, deadLetterTopic, echoFunction, topic } = stack!;
    const answer = await fetch(`${emulator.url}/v1/${emulator.subscriptionPath(subscription)}`);
    expect(answer.status).to.equal(200);
    expect(await answer.json()).to.deep.include({
      topic: emulator.topicPath(topic),
      ackDeadlineSeconds: 30,
      pushConfig: { pushEndpoint: `${echoFunction.url}/${emulator.topicPath(topic)}` },
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '60s' },
      deadLetterPolicy: { deadLetterTopic: emulator.topicPath(deadLetterTopic), maxDeliveryAttempts: 10 },
    });
  });

  it('hands the messages its push subscription still holds to the function once, then pushes again', async () => {
    const { emulator, subscription, topic } = stack!;
    const absorbed: string[] = [];
    const unsubscribe = stack!.onDelivery(
      (line) => line.outcome === 'duplicate' && line.messageId && absorbed.push(line.messageId),
    );
    await emulator.setPushEndpoint(subscription, null); // hold what comes, as a stuck emulator would
    const request = (n: number) => ({
      version: 1,
      taskType: 'echo',
      processInstanceId: `no-such-instance-${n}`,
      requestId: `held-${n}`,
      sentAt: new Date().toISOString(),
      payload: { loop: 'held', iteration: n },
    });
    const held = await emulator.publish(topic, [{ data: request(1) }, { data: request(2) }]);

    const handed = await stack!.pushHeldMessages();
    expect(handed).to.include.members(held);
    await eventually(
      'both held messages absorbed by the function',
      async () => held.every((id) => absorbed.includes(id)) || undefined,
    );
    unsubscribe();
    const answer = await fetch(`${emulator.url}/v1/${emulator.subscriptionPath(subscription)}`);
    expect(
      ((await answer.json()) as { pushConfig: { pushEndpoint?: string } }).pushConfig.pushEndpoint,
      'pushing to the function again',
    ).to.equal(`${stack!.echoFunction.url}/${emulator.topicPath(topic)}`);
  });

  it('loses nothing while the function is away: the loops stall, Pub/Sub redelivers after its backoff, they turn on', async () => {
    const { rest, echoFunction } = stack!;
    // A tight stall bound, to see that the monitor notices a chain that stopped.
    const monitor = new LoopMonitor({ rest, stallMs: 3_000, sampleEveryMs: 250 });
    for (const [name, id] of loopIds) monitor.watch(name, id);
    await echoFunction.stop();
    monitor.start();
    try {
      await eventually(
        'both loops called broken',
        async () => [...monitor.loops.values()].every((loop) => loop.broken),
        15_000,
        250,
      );
      const stalled = await loopCounters(stack!, loopIds);
      // Back on the same endpoint: the failed pushes come again after the subscription's backoff.
      // The listener goes in with the options: a push held back while the function was down may come
      // the moment the port opens, before a listener added to the result would hear it.
      const delivered: DeliveryLine[] = [];
      replacement = await startEchoFunction({
        engineUrl: stack!.engine.url,
        port: echoFunction.port,
        logFile: join(runFolder, 'function-2.log'),
        onDelivery: (line) => delivered.push(line),
      });
      await eventually(
        'both loops turning again',
        async () => {
          const now = await loopCounters(stack!, loopIds);
          return LOOPS.every((name) => now.get(name)! >= stalled.get(name)! + 5);
        },
        90_000,
        250,
      );
      // The request each loop waited for was delivered, not lost: each went on from where it stood.
      for (const name of LOOPS) {
        const first = delivered.find((line) => line.loop === name && line.outcome === 'completed');
        expect(first?.iteration, name).to.equal(stalled.get(name));
      }
    } finally {
      await monitor.stop();
    }
    for (const loop of monitor.loops.values()) {
      expect(loop.problem, loop.name).to.match(/^broken: no new iteration for \d+ s/);
      expect(loop, loop.name).to.deep.include({ multiplied: false, maxActiveEcho: 1 });
    }
    expect(await rest.count('incident')).to.equal(0);
    expect(await rest.count('process-instance', { processDefinitionKey: 'PushTask' })).to.equal(LOOPS.length);
  });

  it('ends every process it started', async () => {
    const recorded = JSON.parse(readFileSync(join(runFolder, 'children.json'), 'utf8')) as Array<{
      name: string;
      pid: number;
    }>;
    expect(recorded.map((child) => child.name).sort()).to.deep.equal(['echo-function', 'engine', 'pubsub-emulator']);
    await replacement?.stop();
    await stack!.stop();
    const alive = recorded.filter((child) => isAlive(child.pid));
    expect(alive).to.deep.equal([]);
  });
});

async function loopCounters(stack: LocalStack, ids: Map<string, string>): Promise<Map<string, number>> {
  const counters = new Map<string, number>();
  for (const [name, id] of ids) counters.set(name, (await stack.rest.variables(id)).iteration as number);
  return counters;
}
