/**
 * Round trips without the engine's history (it is off where the engine is deployed: HISTORY_LEVEL
 * none). Every reply the engine stored is a line: for push the echo function's delivery log line
 * (worker/README.md: roundTripMs from the engine's publish, engineMs the reply call, handlerMs), for
 * pull the worker's completed task. A loop turns once per reply, so
 * - a round trip is the time from one stored reply of a loop to its next (the loop's period: the
 *   engine's work, the broker or the fetch, the worker and the reply call, everything once);
 * - its steps follow from the line's own figures: for push, the reply call (engineMs) holds the reply's
 *   transaction with the next task's start and commit; the period less the reply call and the handler
 *   is the time between two reply calls: the next task's publish (sent once that commit is done), the
 *   broker's delivery and the function; for pull, the period less the complete call is the time until
 *   the worker held the task.
 * `at` is when the bench heard of the reply (the line on the function's stdout, the complete's answer).
 */
import { percentiles, type DeliveryLine } from '../local/deliveries';

export interface ReplyLine {
  readonly loop: string;
  /** The loop's iteration, when the line names it (push): a gap means a reply the bench did not see. */
  readonly iteration?: number;
  /** Date.now() when the bench heard of it. */
  readonly at: number;
  /** Push: the function's roundTripMs, from the engine's publish (sentAt) to the reply stored. */
  readonly roundTripMs?: number;
  /** Push: the reply call to the engine (the next iteration's start and commit included). */
  readonly engineMs?: number;
  readonly handlerMs?: number;
  /** Pull: the worker's complete call. */
  readonly completeMs?: number;
}

/** A completed delivery line as a reply (the echo worker's lines name loop and iteration). */
export function replyOf(line: DeliveryLine, at: number): ReplyLine | undefined {
  if (line.outcome !== 'completed' || typeof line.loop !== 'string') return undefined;
  const handlerMs = (line as DeliveryLine & { handlerMs?: unknown }).handlerMs;
  return {
    loop: line.loop,
    at,
    ...(typeof line.iteration === 'number' ? { iteration: line.iteration } : {}),
    ...(typeof line.roundTripMs === 'number' ? { roundTripMs: line.roundTripMs } : {}),
    ...(typeof line.engineMs === 'number' ? { engineMs: line.engineMs } : {}),
    ...(typeof handlerMs === 'number' ? { handlerMs } : {}),
  };
}

/** One round trip: a reply and the time since the previous reply of its loop. */
export interface Period {
  readonly line: ReplyLine;
  readonly periodMs: number;
}

/** Periods of every reply inside [fromMs, toMs) whose loop had a reply before it (inside the window or not). */
export function periodsWithin(lines: readonly ReplyLine[], fromMs: number, toMs: number): Period[] {
  const last = new Map<string, ReplyLine>();
  const periods: Period[] = [];
  for (const line of [...lines].sort((a, b) => a.at - b.at)) {
    const previous = last.get(line.loop);
    last.set(line.loop, line);
    if (!previous || line.at < fromMs || line.at >= toMs) continue;
    const consecutive =
      line.iteration === undefined || previous.iteration === undefined || line.iteration === previous.iteration + 1;
    if (consecutive) periods.push({ line, periodMs: line.at - previous.at });
  }
  return periods;
}

/** Names of the steps of one round trip, in the order they happen. */
export const PUSH_PARTS = ['replyCallMs', 'betweenCallsMs', 'handlerMs'] as const;
export const PULL_PARTS = ['engineToWorkerMs', 'completeCallMs'] as const;
export type PartName = (typeof PUSH_PARTS)[number] | (typeof PULL_PARTS)[number];

export const PART_LABELS: Readonly<Record<PartName, string>> = {
  replyCallMs: 'reply call',
  betweenCallsMs: 'publish, broker, function',
  handlerMs: 'handler',
  engineToWorkerMs: 'engine to worker (fetch answered)',
  completeCallMs: 'complete call',
};

/** The steps of one round trip, each the median over the periods (medians need not add up to the period's). */
export function partMedians(periods: readonly Period[]): Partial<Record<PartName, number | null>> {
  const push = periods.some((p) => p.line.roundTripMs !== undefined);
  // Tenths of a millisecond: differences of figures with one decimal stay readable.
  const median = (values: Array<number | undefined>) =>
    percentiles(values.filter((v): v is number => typeof v === 'number').map((v) => Math.round(v * 10) / 10)).p50;
  if (push) {
    return {
      replyCallMs: median(periods.map((p) => p.line.engineMs)),
      betweenCallsMs: median(
        periods.map((p) => defined(p.line.engineMs, (call) => p.periodMs - call - (p.line.handlerMs ?? 0))),
      ),
      handlerMs: median(periods.map((p) => p.line.handlerMs)),
    };
  }
  return {
    engineToWorkerMs: median(periods.map((p) => defined(p.line.completeMs, (c) => p.periodMs - c))),
    completeCallMs: median(periods.map((p) => p.line.completeMs)),
  };
}

function defined(value: number | undefined, f: (v: number) => number): number | undefined {
  return value === undefined ? undefined : f(value);
}

/** The p50 of the function's own publish-to-stored figure over the periods, or null for pull. */
export function publishToStoredP50(periods: readonly Period[]): number | null {
  return percentiles(periods.flatMap((p) => (p.line.roundTripMs === undefined ? [] : [p.line.roundTripMs]))).p50;
}
