/**
 * What the echo function did, read from its own log: one JSON line per delivery on stdout, as the
 * worker library writes it (worker/README.md; the echo worker adds loop and iteration). Round-trip
 * times here are the function's measurements (from the engine's publish to the reply being
 * correlated), not estimates from polling.
 */
export const OUTCOMES = ['completed', 'error', 'failed', 'duplicate', 'retry', 'invalid', 'unknown-task'] as const;

/**
 * completed, error, failed: the engine stored the reply (a result, a business error, a technical
 * failure); duplicate: nothing waited for it (acked); retry: redelivery asked for; invalid,
 * unknown-task: acked without a reply. The echo loop's healthy replies are all `completed`.
 */
export type Outcome = (typeof OUTCOMES)[number];

/** The fields of a delivery log line that the local stack reads. */
export interface DeliveryLine {
  readonly outcome: Outcome;
  readonly roundTripMs?: number;
  readonly loop?: string;
  readonly iteration?: number;
  readonly messageId?: string;
  readonly requestId?: string;
  readonly processInstanceId?: string;
  readonly engineStatus?: number;
  readonly engineMs?: number;
}

/** A delivery line from one line of the function's stdout, or undefined for anything else. */
export function parseDeliveryLine(line: string): DeliveryLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const outcome = (parsed as { outcome?: unknown }).outcome;
  return typeof outcome === 'string' && (OUTCOMES as readonly string[]).includes(outcome)
    ? (parsed as DeliveryLine)
    : undefined;
}

export interface RoundTripPercentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Counts by outcome, the round trips of completed replies, and which iterations were delivered. */
export class DeliveryStats {
  readonly counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
  /** roundTripMs of every completed reply, in arrival order. */
  readonly roundTrips: number[] = [];
  /** loop -> iteration -> how often a completed reply of it was delivered (accepted by the engine). */
  readonly deliveredIterations = new Map<string, Map<number, number>>();

  record(line: DeliveryLine): void {
    this.counts[line.outcome] += 1;
    if (line.outcome !== 'completed') return;
    if (typeof line.roundTripMs === 'number') this.roundTrips.push(line.roundTripMs);
    if (line.loop !== undefined && typeof line.iteration === 'number') {
      const iterations = this.deliveredIterations.get(line.loop) ?? new Map<number, number>();
      iterations.set(line.iteration, (iterations.get(line.iteration) ?? 0) + 1);
      this.deliveredIterations.set(line.loop, iterations);
    }
  }

  /** Percentiles over every completed reply, or over the last `recent` of them. */
  percentiles(recent?: number): RoundTripPercentiles {
    return percentiles(recent === undefined ? this.roundTrips : this.roundTrips.slice(-recent));
  }
}

/** Nearest-rank percentiles (each one is a measured value, never an interpolation). */
export function percentiles(values: readonly number[]): RoundTripPercentiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] };
}
