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
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, printJsonLine, runCli, UsageError, wantsHelp } from '../devkit/cli';
import { HttpServer } from '../devkit/http-server';
import { sleep } from '../devkit/wait';
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

const HELP = 'usage: npx tsx bench/emulator-push.ts [--endpoint-ms 0] [--seconds 15] [--json]';

interface Settings {
  readonly endpointMs: number;
  readonly seconds: number;
  readonly json: boolean;
}

function parse(argv: string[]): Settings | 'help' {
  if (wantsHelp(argv)) return 'help';
  const values = parseOptions(argv, {
    'endpoint-ms': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  });
  const endpointMs = Number(values['endpoint-ms']);
  const seconds = Number(values.seconds);
  if (!Number.isFinite(endpointMs) || endpointMs < 0 || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError('--endpoint-ms must be 0 or more and --seconds more than 0');
  }
  return { endpointMs, seconds, json: values.json };
}

/** The push endpoint: notes when each message arrived and how many pushes it holds at once. */
function pushEndpoint(endpointMs: number) {
  const arrivals = new Map<string, (at: number) => void>();
  const counts = { open: 0, mostAtOnce: 0 };
  const server = new HttpServer({ record: false }).otherwise(async (request) => {
    const at = performance.now();
    counts.open += 1;
    counts.mostAtOnce = Math.max(counts.mostAtOnce, counts.open);
    const id = Buffer.from((JSON.parse(request.body) as { message: { data: string } }).message.data, 'base64').toString(
      'utf8',
    );
    arrivals.get(id)?.(at);
    arrivals.delete(id);
    await sleep(endpointMs);
    counts.open -= 1;
    return { status: 204 };
  });
  return { server, arrivals, counts };
}

async function main({ endpointMs, seconds, json }: Settings): Promise<number> {
  const { server: endpoint, arrivals, counts } = pushEndpoint(endpointMs);
  await endpoint.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-push-'));
  const emulator = await startPubsubEmulator({ dataDir });
  try {
    await emulator.createTopic('probe');
    await emulator.createPushSubscription('probe-push', 'probe', `${endpoint.url}/push`);
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
      counts.mostAtOnce = 0;
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
        mostAtOnce: counts.mostAtOnce,
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
    if (json) {
      printJsonLine({ endpointMs, seconds, steps });
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
    await endpoint.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return 0;
}

void runCli({ name: 'emulator-push', help: HELP, parse, run: main, messageOnly: true });
