/**
 * What the push workers of an example did, read from their own log: one JSON line per delivery on
 * stdout (PUSH-CONTRACT §4: taskType, outcome, deliveryAttempt, ... plus the worker's logFields).
 */
import type { Child } from './processes';

/** A worker's delivery line: the fields every line has, and whatever else it logged. */
export type WorkerLine = Readonly<Record<string, unknown>> & {
  readonly taskType: string;
  readonly outcome: string;
  readonly deliveryAttempt?: number;
};

/** A delivery line from one line of a worker's stdout, or undefined for anything else. */
export function parseWorkerLine(text: string): WorkerLine | undefined {
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { taskType, outcome } = parsed as { taskType?: unknown; outcome?: unknown };
  return typeof taskType === 'string' && typeof outcome === 'string' ? (parsed as WorkerLine) : undefined;
}

export interface WorkerCounts {
  /** task type -> outcome -> lines */
  readonly outcomes: Record<string, Record<string, number>>;
  /**
   * Deliveries that came again: a message id seen before (the emulator's pushes carry no attempt
   * count), or deliveryAttempt above 1.
   */
  readonly redeliveries: number;
  /** Deliveries the worker asked Pub/Sub to send again (outcome retry). */
  readonly retries: number;
}

/** Every delivery line of the followed workers, in arrival order. */
export class WorkerLines {
  readonly lines: WorkerLine[] = [];

  /** Parses the child's stdout from now on (its log file keeps everything as well). */
  follow(child: Child): void {
    let partial = '';
    child.process.stdout?.on('data', (chunk: Buffer) => {
      const texts = (partial + chunk.toString('utf8')).split('\n');
      partial = texts.pop() ?? '';
      for (const text of texts) {
        const line = parseWorkerLine(text.trim());
        if (line) this.lines.push(line);
      }
    });
  }

  /** The lines of one task type whose field `key` is `value` (a logFields entry, such as orderId). */
  of(taskType: string, key: string, value: unknown): WorkerLine[] {
    return this.lines.filter((line) => line.taskType === taskType && line[key] === value);
  }

  counts(): WorkerCounts {
    return countLines(this.lines);
  }
}

export function countLines(lines: readonly WorkerLine[]): WorkerCounts {
  const outcomes: Record<string, Record<string, number>> = {};
  for (const line of lines) {
    const byOutcome = (outcomes[line.taskType] ??= {});
    byOutcome[line.outcome] = (byOutcome[line.outcome] ?? 0) + 1;
  }
  const seen = new Set<string>();
  let redeliveries = 0;
  for (const line of lines) {
    const id = typeof line.messageId === 'string' ? `${line.taskType} ${line.messageId}` : undefined;
    const again = (id !== undefined && seen.has(id)) || (line.deliveryAttempt ?? 0) > 1;
    if (again) redeliveries += 1;
    if (id !== undefined) seen.add(id);
  }
  return { outcomes, redeliveries, retries: lines.filter((line) => line.outcome === 'retry').length };
}
