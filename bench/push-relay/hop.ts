/**
 * The broker's own hop through the push relay, measured in the same run as the push-relay pattern:
 * the bench publishes a message over the emulator's REST API (as the engine does: one message per
 * request, so no batching), the relay pulls it and POSTs it to an endpoint that answers 204 at once,
 * and the next message goes out when this one arrived, as one echo loop at 1 loop (bench/emulator-push.ts
 * does the same for the emulator's own push). The emulator's streaming pull delivers on a cycle of about
 * 50 ms, so a hop is the wait for the next cycle and depends on when in it the publish lands: what the
 * engine and the function add is read per round trip instead (./split.ts).
 */
import { HttpServer } from '../../devkit/http-server';
import { percentiles, type RoundTripPercentiles } from '../../local/deliveries';
import type { PubsubEmulator } from '../../local/pubsub-emulator';
import { relaySubscription } from './pattern';
import { startPushRelay } from './relay';

export interface RelayHop extends RoundTripPercentiles {
  readonly seconds: number;
  readonly perSecond: number;
  /** Every hop, ms, for the report's distribution. */
  readonly hopsMs: readonly number[];
}

const WARM_UP_MESSAGES = 20;

export async function measureRelayHop(
  emulator: PubsubEmulator,
  seconds: number,
  concurrency: number,
): Promise<RelayHop> {
  const arrivals = new Map<string, (at: number) => void>();
  const endpoint = new HttpServer({ record: false }).otherwise((request) => {
    const at = performance.now();
    const data = (JSON.parse(request.body) as { message: { data: string } }).message.data;
    const id = Buffer.from(data, 'base64').toString('utf8');
    arrivals.get(id)?.(at);
    arrivals.delete(id);
    return { status: 204 };
  });
  await endpoint.start();
  const topic = 'relay-hop';
  await relaySubscription(emulator, topic);
  const relay = startPushRelay({
    emulatorHost: emulator.hostPort,
    project: emulator.project,
    subscription: `${topic}-pull`,
    endpoint: `${endpoint.url}/push`,
    concurrency,
  });
  try {
    let sequence = 0;
    const hop = async (): Promise<number> => {
      const id = `hop-${(sequence += 1)}`;
      const arrived = new Promise<number>((resolve) => arrivals.set(id, resolve));
      const started = performance.now();
      await emulator.publish(topic, [{ data: id }]);
      return (await arrived) - started;
    };
    for (let i = 0; i < WARM_UP_MESSAGES; i += 1) await hop();
    const hops: number[] = [];
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) hops.push(await hop());
    const elapsed = (performance.now() - started) / 1000;
    const rounded = hops.map((h) => Math.round(h * 10) / 10);
    return {
      ...percentiles(rounded),
      seconds: Math.round(elapsed * 10) / 10,
      perSecond: Math.round((hops.length / elapsed) * 10) / 10,
      hopsMs: rounded,
    };
  } finally {
    await relay.close();
    await endpoint.close();
  }
}
