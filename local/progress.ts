/**
 * What a local run reports: the live progress line and the summary at the end (as text and as one
 * JSON object). Pure functions over the monitor's and the function's figures, so they are easy to test.
 */
import type { DeliveryStats, Outcome, RoundTripPercentiles } from './deliveries';
import type { LoopMonitor } from './loop-monitor';

export interface LoopSummary {
  readonly name: string;
  readonly iterations: number;
  readonly maxActiveEcho: number;
  readonly minActiveEcho: number;
  readonly broken: boolean;
  readonly multiplied: boolean;
  readonly problem?: string;
}

export interface RunSummary {
  /** Iterations completed by all loops together. */
  readonly iterations: number;
  readonly durationSeconds: number;
  readonly iterationsPerSecond: number;
  readonly loops: readonly LoopSummary[];
  /** Publish to reply correlated, as the echo function measured it, over every delivered reply. */
  readonly roundTripMs: RoundTripPercentiles;
  /** The function's deliveries by outcome. */
  readonly deliveries: Readonly<Record<Outcome, number>>;
  /** Duplicate deliveries the engine refused (400, nothing waiting): absorbed, not harmful. */
  readonly duplicates: number;
  readonly retries: {
    /** Deliveries the function answered with 500 for Pub/Sub to redeliver. */
    readonly function: number;
    /** Failed engine job executions seen by sampling (publish, join): each is retried on its cycle. */
    readonly engineJobs: number;
  };
  readonly incidents: number;
  readonly deadLettered: number;
  readonly broken: boolean;
  readonly multiplied: boolean;
  /** What else went wrong (a process of the stack that died, say). */
  readonly problems: readonly string[];
  readonly stoppedBy: string;
  readonly database: 'h2' | 'postgres';
  readonly runFolder: string;
}

/** Throughput over a sliding window of samples, for the live line. */
export class RateMeter {
  private readonly points: Array<{ at: number; value: number }> = [];

  constructor(private readonly windowMs = 10_000) {}

  add(at: number, value: number): void {
    this.points.push({ at, value });
    while (this.points.length > 2 && at - this.points[1].at >= this.windowMs) this.points.shift();
  }

  /** Per second, over the window (0 until there are two points). */
  get perSecond(): number {
    if (this.points.length < 2) return 0;
    const first = this.points[0];
    const last = this.points[this.points.length - 1];
    return last.at === first.at ? 0 : ((last.value - first.value) * 1000) / (last.at - first.at);
  }
}

export function summarize(input: {
  monitor: LoopMonitor;
  deliveries: DeliveryStats;
  durationMs: number;
  problems: readonly string[];
  stoppedBy: string;
  database: 'h2' | 'postgres';
  runFolder: string;
}): RunSummary {
  const { monitor, deliveries } = input;
  const totals = monitor.totalsSoFar;
  const durationSeconds = Math.round(input.durationMs / 100) / 10;
  const loops = [...monitor.loops.values()].map((loop) => ({
    name: loop.name,
    iterations: loop.iterations,
    maxActiveEcho: loop.maxActiveEcho,
    minActiveEcho: Number.isFinite(loop.minActiveEcho) ? loop.minActiveEcho : 0,
    broken: loop.broken,
    multiplied: loop.multiplied,
    ...(loop.problem ? { problem: loop.problem } : {}),
  }));
  return {
    iterations: monitor.iterations,
    durationSeconds,
    iterationsPerSecond: durationSeconds > 0 ? Math.round((monitor.iterations / durationSeconds) * 10) / 10 : 0,
    loops,
    roundTripMs: deliveries.percentiles(),
    deliveries: { ...deliveries.counts },
    duplicates: deliveries.counts.duplicate,
    retries: { function: deliveries.counts.retry, engineJobs: totals.failedJobs },
    incidents: totals.incidents,
    deadLettered: totals.deadLettered,
    broken: monitor.broken,
    multiplied: monitor.multiplied,
    problems: [...input.problems],
    stoppedBy: input.stoppedBy,
    database: input.database,
    runFolder: input.runFolder,
  };
}

/** Whether the run proved the chain: never broken, never multiplied, nothing else wrong. */
export function healthy(summary: RunSummary): boolean {
  return !summary.broken && !summary.multiplied && summary.problems.length === 0;
}

export function progressLine(input: {
  elapsedMs: number;
  loops: number;
  iterations: number;
  perSecond: number;
  recent: RoundTripPercentiles;
  duplicates: number;
  retries: number;
  incidents: number;
  trouble?: string;
}): string {
  // Short enough for an 80-column terminal; wider detail goes to the summary.
  const parts = [
    `${clock(input.elapsedMs)} ${input.loops} loop${input.loops === 1 ? '' : 's'}`,
    `${input.iterations} it, ${input.perSecond.toFixed(1)}/s`,
    `round trip p50 ${ms(input.recent.p50)} p99 ${ms(input.recent.p99)}`,
    `dup ${input.duplicates} retry ${input.retries} incidents ${input.incidents}`,
  ];
  if (input.trouble) parts.push(input.trouble);
  return parts.join(' | ');
}

export function summaryText(summary: RunSummary, logsHint: string): string {
  const verdict = healthy(summary)
    ? 'OK: every loop turned, one PushTask at a time'
    : `FAILED: ${[summary.broken ? 'broken' : '', summary.multiplied ? 'multiplied' : '', ...summary.problems].filter(Boolean).join('; ')}`;
  const rt = summary.roundTripMs;
  const lines = [
    `local run stopped (${summary.stoppedBy}) after ${summary.durationSeconds} s on ${summary.database === 'h2' ? 'H2' : 'PostgreSQL'}: ${verdict}`,
    `  iterations   ${summary.iterations} (${summary.iterationsPerSecond}/s)`,
    `  round trip   p50 ${ms(rt.p50)}, p95 ${ms(rt.p95)}, p99 ${ms(rt.p99)}, max ${ms(rt.max)} over ${rt.count} replies`,
    `  deliveries   ${Object.entries(summary.deliveries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  retries      function ${summary.retries.function}, engine jobs ${summary.retries.engineJobs}; incidents ${summary.incidents}; dead-lettered ${summary.deadLettered}`,
    ...summary.loops.map(
      (loop) =>
        `  ${loop.name.padEnd(12)} ${String(loop.iterations).padStart(6)} iterations, active PushTask ${loop.minActiveEcho}..${loop.maxActiveEcho}${loop.problem ? `: ${loop.problem}` : ''}`,
    ),
    `  logs         ${logsHint}`,
  ];
  return lines.join('\n');
}

function ms(value: number | null): string {
  return value === null ? '-' : `${value} ms`;
}

function clock(elapsedMs: number): string {
  const seconds = Math.floor(elapsedMs / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}
