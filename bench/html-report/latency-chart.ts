/**
 * The benchmark report's latency chart for one pattern: the distribution of its round trips, one
 * series per loop count (and, for push-relay, the relay's own hop), in bins that widen on the 1-2-5
 * scale (the chaos report's binning), each bar the share of its series' round trips so series of
 * different sizes compare. Every bar carries its count, for a tooltip and for tests.
 */
import { formatMs, linearScale, niceCeiling, roundTripBins, type Bin } from '../../chaos/html-report/data';
import {
  colorOf,
  el,
  escapeHtml,
  legend,
  LOOP_COLORS,
  text,
  title,
  yAxis,
  type Frame,
} from '../../chaos/html-report/svg';
import { percentiles } from '../../local/deliveries';

export interface LatencySeries {
  readonly label: string;
  readonly valuesMs: readonly number[];
}

const FRAME: Frame = { width: 1100, height: 340, left: 70, right: 20, top: 24, bottom: 64 };

/** The bins of every series together: the smallest to the largest value of any of them. */
function sharedBins(series: readonly LatencySeries[]): Array<Pick<Bin, 'from' | 'to'>> {
  return roundTripBins(series.flatMap((s) => s.valuesMs)).map(({ from, to }) => ({ from, to }));
}

function countIn(values: readonly number[], from: number, to: number, last: boolean): number {
  return values.filter((v) => v >= from && (v < to || (last && v <= to))).length;
}

export function latencyChart(id: string, series: readonly LatencySeries[]): string {
  const bins = sharedBins(series);
  const shares = series.map((s) =>
    bins.map((bin, i) => {
      const count = countIn(s.valuesMs, bin.from, bin.to, i === bins.length - 1);
      return { count, share: s.valuesMs.length ? (100 * count) / s.valuesMs.length : 0 };
    }),
  );
  const highest = shares.flat().reduce((max, b) => Math.max(max, b.share), 0);
  const y = linearScale([0, niceCeiling(highest, 5)], [FRAME.height - FRAME.bottom, FRAME.top]);
  const plotWidth = FRAME.width - FRAME.left - FRAME.right;
  const slot = bins.length === 0 ? plotWidth : plotWidth / bins.length;
  const barWidth = Math.max(1, (slot - 6) / Math.max(1, series.length));
  const bottom = y(0);
  const bars = series.flatMap((s, si) =>
    bins.map((bin, bi) => {
      const { count, share } = shares[si]![bi]!;
      const height = count === 0 ? 0 : Math.max(2, bottom - y(share));
      const x = FRAME.left + bi * slot + 3 + si * barWidth;
      return el(
        'rect',
        {
          class: 'lat-bar',
          'data-series': s.label,
          'data-count': count,
          x,
          y: bottom - height,
          width: barWidth,
          height,
          fill: colorOf(LOOP_COLORS, si),
        },
        title(
          `${s.label}: ${count} round trips (${share.toFixed(1)}%) from ${formatMs(bin.from)} to ${formatMs(bin.to)}`,
        ),
      );
    }),
  );
  const labels = bins.map((bin, i) =>
    text(FRAME.left + i * slot + slot / 2, bottom + 18, formatMs(bin.from), { 'text-anchor': 'middle', class: 'tick' }),
  );
  const svg = el(
    'svg',
    {
      id,
      class: 'latency-chart',
      viewBox: `0 0 ${FRAME.width} ${FRAME.height}`,
      role: 'img',
      'aria-label': 'round-trip distribution',
    },
    yAxis(FRAME, y, '% of round trips', String),
    el('line', { x1: FRAME.left, x2: FRAME.width - FRAME.right, y1: bottom, y2: bottom, class: 'axis-line' }),
    ...bars,
    ...labels,
    text(
      (FRAME.left + FRAME.width - FRAME.right) / 2,
      FRAME.height - 10,
      'round trip, from the bin’s lower bound (bins widen 1-2-5)',
      {
        'text-anchor': 'middle',
        class: 'axis-label',
      },
    ),
  );
  const summary = series.map((s) => {
    const p = percentiles(s.valuesMs);
    return p.count === 0
      ? `${s.label}: none`
      : `${s.label}: ${p.count}, p50 ${formatMs(p.p50!)}, p99 ${formatMs(p.p99!)}`;
  });
  return (
    el('p', { class: 'chart-note' }, escapeHtml(summary.join('; '))) +
    svg +
    legend(series.map((s, i) => ({ label: s.label, color: colorOf(LOOP_COLORS, i), kind: 'box' as const })))
  );
}
