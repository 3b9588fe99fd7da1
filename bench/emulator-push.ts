/**
 * How much of a push round trip the Pub/Sub emulator itself takes: publish a message, time its arrival
 * at an HTTP endpoint that answers 204 (at once, or after --endpoint-ms), and publish the next one.
 * Nothing of the project runs here but the emulator, so the figures are the floor that every local push
 * measurement (`npm run bench`, `npm run local`) stands on.
 *
 *   npx tsx bench/emulator-push.ts                       # 1 chain back to back, 1 chain with random gaps, 10 and 50 chains
 *   npx tsx bench/emulator-push.ts --endpoint-ms 15 --json
 *
 * A chain publishes, waits until its own message arrived, and publishes again, as an echo loop does.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { percentiles } from '../local/deliveries';
import { startPubsubEmulator } from '../local/pubsub-emulator';

interface Step {
  readonly what: string;
  readonly chains: number;
  readonly pushesPerSecond: number;
  readonly publishToArrivalMs: ReturnType<typeof percentiles>;
  /** The most pushes the endpoint had open at one moment. */
  readonly mostAtOnce: number;
  readonly loadAverage: number;
}

const { values } = parseArgs({
  options: {
    'endpoint-ms': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const endpointMs = Number(values['endpoint-ms']);
const seconds = Number(values.seconds);
if (!Number.isFinite(endpointMs) || endpointMs < 0 || !Number.isFinite(seconds) || seconds <= 0) {
  process.stderr.write('emulator-push: --endpoint-ms must be 0 or more and --seconds more than 0\n');
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const arrivals = new Map<string, (at: number) => void>();
  let open = 0;
  let mostAtOnce = 0;
  const endpoint = createServer((request, response) => {
    open += 1;
    mostAtOnce = Math.max(mostAtOnce, open);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const id = Buffer.from(
        (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message: { data: string } }).message.data,
        'base64',
      ).toString('utf8');
      arrivals.get(id)?.(at);
      arrivals.delete(id);
      setTimeout(() => {
        open -= 1;
        response.writeHead(204).end();
      }, endpointMs);
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-push-'));
  const emulator = await startPubsubEmulator({ dataDir });
  try {
    await emulator.createTopic('probe');
    await emulator.createPushSubscription(
      'probe-push',
      'probe',
      `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/push`,
    );
    let sequence = 0;
    const roundTrip = async (gapMs: number): Promise<number> => {
      if (gapMs > 0) await sleep(Math.random() * gapMs);
      const id = String((sequence += 1));
      const arrived = new Promise<number>((resolve) => arrivals.set(id, resolve));
      const started = performance.now();
      await emulator.publish('probe', [{ data: id }]);
      return (await arrived) - started;
    };
    const step = async (what: string, chains: number, gapMs: number): Promise<Step> => {
      mostAtOnce = 0;
      const times: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: chains }, async () => {
          while (performance.now() - started < seconds * 1000) times.push(await roundTrip(gapMs));
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      return {
        what,
        chains,
        pushesPerSecond: Math.round((times.length / elapsed) * 10) / 10,
        publishToArrivalMs: percentiles(times.map(Math.round)),
        mostAtOnce,
        loadAverage: loadavg()[0],
      };
    };

    for (let i = 0; i < 20; i += 1) await roundTrip(0); // warm-up
    const steps = [
      await step('1 chain, back to back', 1, 0),
      await step('1 chain, random 0-200 ms pause before each publish', 1, 200),
      await step('10 chains', 10, 0),
      await step('50 chains', 50, 0),
    ];
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ endpointMs, seconds, steps })}\n`);
    } else {
      process.stdout.write(`endpoint answers after ${endpointMs} ms; ${seconds} s per step\n`);
      for (const s of steps) {
        const p = s.publishToArrivalMs;
        process.stdout.write(
          `${s.what.padEnd(52)} ${String(s.pushesPerSecond).padStart(7)}/s  publish->arrival p50 ${p.p50} p95 ${p.p95} p99 ${p.p99} ms  at once ${s.mostAtOnce}  load ${s.loadAverage}\n`,
        );
      }
    }
  } finally {
    await emulator.stop();
    endpoint.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator-push: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
