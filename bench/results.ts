/**
 * The benchmark's results: their shape (also the JSON it writes), and the tables it prints.
 */
import { percentiles } from '../local/deliveries';
import type { Pattern } from './options';

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
  readonly enginePeakRssMiB: number;
  /** 1-minute load average of the machine at the end of the step. */
  readonly loadAverage: number;
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
  engine: { cpuSeconds: number; peakRssMiB: number },
  loadAverage: number,
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
    enginePeakRssMiB: engine.peakRssMiB,
    loadAverage: round(loadAverage, 2),
  };
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

export function stepsTable(steps: readonly StepResult[]): string {
  return formatTable(
    [
      'pattern',
      'loops',
      'round trips',
      'per s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'engine CPU s',
      'CPU ms/trip',
      'peak RSS MiB',
      'load',
    ],
    steps.map((s) => [
      s.pattern,
      s.loops,
      s.roundTrips,
      s.perSecond,
      s.p50Ms,
      s.p95Ms,
      s.p99Ms,
      s.engineCpuSeconds,
      s.engineCpuMsPerRoundTrip,
      s.enginePeakRssMiB,
      s.loadAverage,
    ]),
  );
}

export function idleTable(idle: readonly IdleResult[]): string {
  return formatTable(
    ['pattern', 'window s', 'requests', 'per idle minute'],
    idle.map((i) => [i.pattern, i.windowSeconds, i.requests, i.requestsPerMinute]),
  );
}

export function breakdownTable(rows: readonly BreakdownRow[]): string {
  return formatTable(
    ['step of one push round trip', 'type', 'starts at ms', 'takes ms'],
    rows.map((r) => [r.what, r.type, r.startMs, r.durationMs]),
  );
}
