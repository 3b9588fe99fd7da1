/**
 * The data preparation of the chaos report's charts (../html-report.ts), free of markup so it can be
 * tested on its own: linear scales, round tick values, thinning long series, round-trip bins and the
 * time span a run covers.
 */
import type { InjectedFault } from '../recovery';
import type { ReplyPoint, TimelineData } from '../timeline';

/** A linear map from a domain (data) to a range (pixels), with the domain kept for the axis. */
export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  // An empty domain (one value) maps to the range's start rather than dividing by zero.
  const span = d1 - d0 || 1;
  return Object.assign((value: number) => r0 + ((value - d0) / span) * (r1 - r0), { domain: [d0, d1] as const });
}

/** The distance of about `count` round ticks from min to max: 1, 2 or 5 times a power of ten. */
function tickStep(min: number, max: number, count: number): number {
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 5, 10].find((f) => f * power >= rough) ?? 10) * power;
}

/** About `count` round tick values from min to max. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const step = tickStep(min, max, count);
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    // toPrecision: 3 * 0.1 is 0.30000000000000004, a tick label should say 0.3.
    ticks.push(Number((Math.round(tick / step) * step).toPrecision(12)));
  }
  return ticks;
}

/** The first round tick (of about `count` from 0) at or above max: an axis that ends on a labelled value. */
export function niceCeiling(max: number, count: number): number {
  if (!(max > 0)) return 1;
  const step = tickStep(0, max, count);
  return Number((Math.ceil(max / step - 1e-9) * step).toPrecision(12));
}

/**
 * At most `max` points of a series, the first and the last always among them. A polyline through
 * every k-th reply keeps the shape of an iterations chart: a stall has no replies to drop.
 */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max || max < 2) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)] as T);
}

export interface Bin {
  /** Lower bound, inclusive (ms). */
  readonly from: number;
  /** Upper bound, exclusive but for the last bin (ms). */
  readonly to: number;
  readonly count: number;
}

/** 0, 1, 2, 5, 10, 20, 50, ... : bins that widen with the value, so the long tail of a round trip shows. */
function boundary(index: number): number {
  if (index <= 0) return 0;
  return [1, 2, 5][(index - 1) % 3]! * 10 ** Math.floor((index - 1) / 3);
}

/** Round trips in bins on the 1-2-5 scale, from the bin of the smallest to that of the largest; counts sum to values.length. */
export function roundTripBins(values: readonly number[]): Bin[] {
  if (values.length === 0) return [];
  const indexOf = (value: number) => {
    let index = 0;
    while (boundary(index + 1) <= value) index += 1;
    return index;
  };
  const counts = new Map<number, number>();
  for (const value of values) {
    const index = indexOf(Math.max(0, value));
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  const first = Math.min(...counts.keys()); // a few dozen bins at most
  const last = Math.max(...counts.keys());
  return Array.from({ length: last - first + 1 }, (_, i) => ({
    from: boundary(first + i),
    to: boundary(first + i + 1),
    count: counts.get(first + i) ?? 0,
  }));
}

/** A duration for people: 850 ms, 1.5 s, 45 s, 3.2 min. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The span the iterations chart shows (ms since the epoch): every reply, every fault and its recovery. */
export function timeSpan(timeline: TimelineData, faults: readonly InjectedFault[]): { from: number; to: number } {
  const replies: ReplyPoint[] = Object.values(timeline.replies).flat();
  const times = [
    ...replies.map((point) => point.at),
    ...faults.map((fault) => fault.at),
    ...faults.map((fault) => fault.at + (fault.recoveryMs ?? 0)),
    ...(timeline.faultsFrom !== undefined ? [timeline.faultsFrom] : []),
    ...(timeline.faultsUntil !== undefined ? [timeline.faultsUntil] : []),
  ];
  if (times.length === 0) return { from: 0, to: 1000 };
  // reduce, not Math.min(...times): a full run has more replies than a call takes arguments.
  const from = times.reduce((a, b) => Math.min(a, b));
  return { from, to: times.reduce((a, b) => Math.max(a, b), from + 1000) };
}
