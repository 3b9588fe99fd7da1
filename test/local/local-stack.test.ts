/**
 * End to end, with nothing faked: the official Pub/Sub emulator pushes the engine's echo requests to
 * the real echo function in the Functions Framework, which correlates the replies with the real engine
 * (the packaged jar on H2). Two loops turn for at least 100 iterations each while the monitor samples
 * them, and every process the stack started ends with it.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { eventually } from '../../local/camunda-rest';
import { LoopMonitor } from '../../local/loop-monitor';
import { startLocalStack, type LocalStack } from '../../local/stack';

const LOOPS = ['loop-a', 'loop-b'];
const ITERATIONS = 100;

describe('local stack end to end: emulator, function and engine', function () {
  this.timeout(180_000);

  let runFolder: string;
  let stack: LocalStack | undefined;
  let loopIds: Map<string, string>;

  before(async function () {
    this.timeout(120_000);
    runFolder = mkdtempSync(join(tmpdir(), 'camunda-serverless-local-'));
    stack = await startLocalStack({ runFolder });
  });

  after(async () => {
    await stack?.stop();
    // KEEP_LOCAL_RUN=1 keeps the logs for a look after a failure.
    if (!process.env.KEEP_LOCAL_RUN) rmSync(runFolder, { recursive: true, force: true });
  });

  it(`turns ${LOOPS.length} loops ${ITERATIONS}+ iterations each: never broken, never multiplied, each reply delivered once, no incident`, async () => {
    const { rest, deliveries } = stack!;
    const monitor = new LoopMonitor({ rest, stallMs: 30_000, sampleEveryMs: 250, drainDeadLetters: () => stack!.drainDeadLetters() });
    loopIds = await stack!.startLoops(LOOPS);
    for (const [name, id] of loopIds) monitor.watch(name, id);
    monitor.start();
    try {
      await eventually(
        `${ITERATIONS} iterations of every loop`,
        async () => monitor.broken || monitor.multiplied || [...monitor.loops.values()].every((loop) => loop.iterations >= ITERATIONS),
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
      expect(numbers.slice(0, loop.iterations), loop.name).to.deep.equal(Array.from({ length: loop.iterations }, (_, i) => i + 1));
      expect([...delivered.values()].every((times) => times === 1), `${loop.name}: an iteration delivered twice`).to.equal(true);
    }
    expect(monitor.totalsSoFar.samples, 'samples taken').to.be.greaterThan(40);
    expect(monitor.totalsSoFar.failedSamples).to.equal(0);
    expect(await rest.count('incident')).to.equal(0);
    expect(monitor.totalsSoFar.deadLettered).to.equal(0);
    expect(deliveries.counts.invalid).to.equal(0);
    expect(deliveries.roundTrips.length).to.be.at.least(LOOPS.length * ITERATIONS);
    expect(deliveries.percentiles().p50).to.be.a('number').and.be.greaterThan(0);
  });

  it('ends every process it started', async () => {
    const recorded = JSON.parse(readFileSync(join(runFolder, 'children.json'), 'utf8')) as Array<{ name: string; pid: number }>;
    expect(recorded.map((child) => child.name).sort()).to.deep.equal(['echo-function', 'engine', 'pubsub-emulator']);
    await stack!.stop();
    const alive = recorded.filter((child) => isAlive(child.pid));
    expect(alive).to.deep.equal([]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
