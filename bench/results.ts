/**
 * The benchmark's results: their shape (also the JSON it writes), and the tables it prints.
 */
import { percentiles } from '../local/deliveries';
import type { Pattern } from './options';
import type { RelaySplit } from './push-relay/split';
import type { StatementCount } from './statements';
import { PART_LABELS, PULL_PARTS, PUSH_PARTS, type PartName } from './round-trips';

export interface StepResult {
  readonly pattern: Pattern;
  readonly loops: number;
  readonly seconds: number;
  readonly roundTrips: number;
  readonly perSecond: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly engineCpuSeconds: number;
  /** Engine CPU per round trip: less sensitive to a busy machine than latency, so tunings compare on it. */
  readonly engineCpuMsPerRoundTrip: number | null;
  /** The same less the engine's idle CPU over the window (its timers, the job acquisition's polls). */
  readonly engineCpuMsPerRoundTripAboveIdle: number | null;
  /** SQL statements the engine ran per round trip (pg_stat_statements; bench/statements.ts). */
  readonly statementsPerRoundTrip: number | null;
  /** Transactions committed per round trip. */
  readonly commitsPerRoundTrip: number | null;
  readonly enginePeakRssMiB: number;
  /** 1-minute load average of the machine at the end of the step. */
  readonly loadAverage: number;
  /** The steps of one round trip, medians (bench/round-trips.ts). */
  readonly parts: Partial<Record<PartName, number | null>>;
  /** Push: the function's own figure, from the engine's publish to the reply stored (p50). */
  readonly publishToStoredP50Ms: number | null;
  /** Every round trip of the step, ms, in the order they ended: for the report's distributions. */
  readonly roundTripsMs: readonly number[];
  /** push-relay: the round trip split where the broker's part ends (bench/push-relay/split.ts). */
  readonly relaySplit?: RelaySplit;
  /** CPU ms per round trip of each process of the stack, the rest of the machine and all of it (bench/process-cpu.ts). */
  readonly cpuMsPerRoundTripByProcess?: Record<string, number> | null;
}

/** What the step's lines gave besides the round trips themselves. */
export interface StepDetails {
  readonly parts: Partial<Record<PartName, number | null>>;
  readonly publishToStoredP50Ms: number | null;
  readonly relaySplit?: RelaySplit;
  readonly cpuMsPerRoundTripByProcess?: Record<string, number> | null;
}

export interface IdleResult {
  readonly pattern: Pattern;
  readonly windowSeconds: number;
  readonly requests: number;
  readonly requestsPerMinute: number;
  readonly byPath: Record<string, number>;
}

export interface BreakdownRow {
  /** process key / activity id */
  readonly what: string;
  readonly type: string;
  /** from the start of the PushTask instance */
  readonly startMs: number;
  readonly durationMs: number;
}

export function stepResult(
  pattern: Pattern,
  loops: number,
  seconds: number,
  durations: readonly number[],
  engine: {
    cpuSeconds: number;
    peakRssMiB: number;
    idleCpuMsPerSecond?: number | null;
    database?: StatementCount | null;
  },
  loadAverage: number,
  details: StepDetails = { parts: {}, publishToStoredP50Ms: null },
): StepResult {
  const p = percentiles(durations);
  return {
    pattern,
    loops,
    seconds,
    roundTrips: durations.length,
    perSecond: round(durations.length / seconds, 1),
    p50Ms: p.p50,
    p95Ms: p.p95,
    p99Ms: p.p99,
    engineCpuSeconds: round(engine.cpuSeconds, 1),
    engineCpuMsPerRoundTrip: durations.length ? round((engine.cpuSeconds * 1000) / durations.length, 1) : null,
    engineCpuMsPerRoundTripAboveIdle:
      durations.length && engine.idleCpuMsPerSecond != null
        ? round((engine.cpuSeconds * 1000 - engine.idleCpuMsPerSecond * seconds) / durations.length, 1)
        : null,
    statementsPerRoundTrip: perTrip(engine.database?.statements, durations.length),
    commitsPerRoundTrip: perTrip(engine.database?.commits, durations.length),
    enginePeakRssMiB: engine.peakRssMiB,
    loadAverage: round(loadAverage, 2),
    ...details,
    roundTripsMs: durations.map((d) => Math.round(d)),
  };
}

function perTrip(count: number | undefined, roundTrips: number): number | null {
  return count === undefined || roundTrips === 0 ? null : round(count / roundTrips, 1);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A table with a header row, columns right-aligned except the first. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** The steps as one table: its header and a row per step, for the printed table and the page. */
export function stepColumns(steps: readonly StepResult[]): {
  header: string[];
  rows: Array<Array<string | number | null>>;
} {
  return {
    header: [
      'pattern',
      'loops',
      'round trips',
      'per s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'engine CPU s',
      'CPU ms/trip',
      'above idle',
      'SQL/trip',
      'commits/trip',
      'peak RSS MiB',
      'load',
    ],
    rows: steps.map((s) => [
      s.pattern,
      s.loops,
      s.roundTrips,
      s.perSecond,
      s.p50Ms,
      s.p95Ms,
      s.p99Ms,
      s.engineCpuSeconds,
      s.engineCpuMsPerRoundTrip,
      s.engineCpuMsPerRoundTripAboveIdle,
      s.statementsPerRoundTrip,
      s.commitsPerRoundTrip,
      s.enginePeakRssMiB,
      s.loadAverage,
    ]),
  };
}

export function stepsTable(steps: readonly StepResult[]): string {
  const { header, rows } = stepColumns(steps);
  return formatTable(header, rows);
}

export function idleTable(idle: readonly IdleResult[]): string {
  return formatTable(
    ['pattern', 'window s', 'requests', 'per idle minute'],
    idle.map((i) => [i.pattern, i.windowSeconds, i.requests, i.requestsPerMinute]),
  );
}

const isPull = (pattern: Pattern) => pattern.startsWith('pull');

/** The steps of one round trip of one pattern, a row per loop count. */
export function partsTable(steps: readonly StepResult[], pattern: Pattern): string {
  const names: readonly PartName[] = isPull(pattern) ? PULL_PARTS : PUSH_PARTS;
  const own = steps.filter((s) => s.pattern === pattern);
  return formatTable(
    [
      `${pattern}: p50 ms`,
      'round trip',
      ...names.map((n) => PART_LABELS[n]),
      ...(isPull(pattern) ? [] : ['publish to stored']),
    ],
    own.map((s) => [
      `${s.loops} loop(s)`,
      s.p50Ms,
      ...names.map((n) => s.parts[n] ?? null),
      ...(isPull(pattern) ? [] : [s.publishToStoredP50Ms]),
    ]),
  );
}

/** The relay's own hop (bench/push-relay/hop.ts), for the push-relay line. */
export interface HopFigures {
  readonly p50Ms: number | null;
}

/** One line: where the median round trip of a pattern's first step goes. */
export function whereTheTimeGoes(steps: readonly StepResult[], pattern: Pattern, hop?: HopFigures): string {
  const step = steps.find((s) => s.pattern === pattern);
  if (!step || step.p50Ms === null) return `${pattern}: no round trips measured`;
  const ms = (name: PartName) => `${step.parts[name] ?? '-'} ms`;
  const head = `${pattern}, ${step.loops} loop(s): the median round trip of ${step.p50Ms} ms goes`;
  if (isPull(pattern)) {
    return `${head} ${ms('engineToWorkerMs')} from the last complete until the worker holds the next task (the engine ends the task, turns the loop and answers the fetch), ${ms('completeCallMs')} to the complete call (medians)`;
  }
  const line = `${head} ${ms('replyCallMs')} to the reply call (the reply's transaction with the next task's start and commit), ${ms('betweenCallsMs')} between two reply calls (the next task's publish, the broker's delivery and the function), ${ms('handlerMs')} to the handler (medians)`;
  if (pattern !== 'push-relay') return line;
  const split = step.relaySplit;
  const own = hop && hop.p50Ms !== null ? `; the relay's own hop (publish to a 204 endpoint) p50 ${hop.p50Ms} ms` : '';
  if (!split) return `${line}${own}`;
  return `${line}; per round trip, the broker (publish to the relay) p50 ${split.brokerP50Ms ?? '-'} ms and the engine and the function (the relay's handover to the next publish) p50 ${split.engineAndFunctionP50Ms ?? '-'} ms${own}`;
}

export function breakdownTable(rows: readonly BreakdownRow[]): string {
  return formatTable(
    ['step of one push round trip', 'type', 'starts at ms', 'takes ms'],
    rows.map((r) => [r.what, r.type, r.startMs, r.durationMs]),
  );
}
