/**
 * A push-relay round trip split where the broker's part ends, read from the relay's own deliveries:
 * the broker's part runs from a message's publish time (the emulator's clock, as it accepts the publish)
 * to the relay receiving it; the engine's and the function's from the relay receiving message n of a
 * loop to the publish time of message n + 1 of that loop: the POST to the function, the reply call, the
 * engine's transaction and its publish. Subtracting a separately measured hop from the round trip does
 * not give the second part here: the emulator's streaming pull delivers on a cycle of about 50 ms
 * (bench/README.md), so a round trip whose work fits in one cycle takes one cycle, whatever the work.
 */
import { percentiles } from '../../local/deliveries';
import type { RelayDelivery } from './relay';

export interface RelaySplit {
  /** Publish to the relay receiving it, p50 over the step's first deliveries. */
  readonly brokerP50Ms: number | null;
  /** The relay receiving one message of a loop to the broker accepting the loop's next, p50. */
  readonly engineAndFunctionP50Ms: number | null;
  /** The consecutive pairs the second figure was read from. */
  readonly pairs: number;
}

/** The split over the deliveries of `loops` received within [from, to] (epoch ms). */
export function relaySplit(
  deliveries: readonly RelayDelivery[],
  loops: ReadonlySet<string>,
  from: number,
  to: number,
): RelaySplit {
  const firsts = firstDeliveries(deliveries, loops, from, to);
  const broker = [...firsts.values()].map((d) => d.receivedAt - d.publishedAt);
  const added: number[] = [];
  for (const [key, delivery] of firsts) {
    const next = firsts.get(nextKey(key));
    if (next) added.push(next.publishedAt - delivery.receivedAt);
  }
  return {
    brokerP50Ms: percentiles(broker).p50,
    engineAndFunctionP50Ms: percentiles(added).p50,
    pairs: added.length,
  };
}

/** Each iteration's first delivery (a redelivery repeats the broker's part), keyed "loop iteration". */
function firstDeliveries(
  deliveries: readonly RelayDelivery[],
  loops: ReadonlySet<string>,
  from: number,
  to: number,
): Map<string, RelayDelivery> {
  const firsts = new Map<string, RelayDelivery>();
  for (const delivery of deliveries) {
    const { loop, iteration } = delivery.attributes;
    if (!loop || !loops.has(loop) || !/^\d+$/.test(iteration ?? '')) continue;
    if (delivery.receivedAt < from || delivery.receivedAt > to) continue;
    const key = `${loop} ${iteration}`;
    if (!firsts.has(key)) firsts.set(key, delivery);
  }
  return firsts;
}

function nextKey(key: string): string {
  const space = key.lastIndexOf(' ');
  return `${key.slice(0, space)} ${Number(key.slice(space + 1)) + 1}`;
}
