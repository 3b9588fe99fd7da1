/**
 * The chaos report's third chart: the distribution of round trips (the function's roundTripMs, from
 * the engine's publish to the reply correlated) in bins that widen on the 1-2-5 scale, so that the
 * bulk and the long tail a fault causes both show. Every bar is labelled with its count.
 */
import { percentiles } from '../../local/deliveries';
import { formatMs, linearScale, niceCeiling, roundTripBins, type Bin } from './data';
import { el, escapeHtml, text, title, yAxis, type Frame } from './svg';

const FRAME: Frame = { width: 1100, height: 360, left: 70, right: 20, top: 30, bottom: 64 };

/** The histogram and a line of percentiles above it. */
export function roundTripChart(roundTripsMs: readonly number[]): string {
  const bins = roundTripBins(roundTripsMs);
  const stats = percentiles(roundTripsMs);
  const summary =
    stats.count === 0
      ? 'no round trips measured'
      : `${stats.count} replies: p50 ${formatMs(stats.p50 ?? 0)}, p95 ${formatMs(stats.p95 ?? 0)}, p99 ${formatMs(stats.p99 ?? 0)}, max ${formatMs(stats.max ?? 0)}`;
  const highest = bins.reduce((max, bin) => Math.max(max, bin.count), 0);
  const y = linearScale([0, niceCeiling(highest, 6)], [FRAME.height - FRAME.bottom, FRAME.top]);
  const plotWidth = FRAME.width - FRAME.left - FRAME.right;
  const slot = bins.length === 0 ? plotWidth : plotWidth / bins.length;
  const bars = bins.map((bin, i) => binBar(bin, FRAME.left + i * slot, slot, y));
  const middle = (FRAME.left + FRAME.width - FRAME.right) / 2;
  const svg = el(
    'svg',
    {
      id: 'round-trip-chart',
      viewBox: `0 0 ${FRAME.width} ${FRAME.height}`,
      role: 'img',
      'aria-label': 'round-trip distribution',
    },
    yAxis(FRAME, y, 'replies', String),
    el('line', { x1: FRAME.left, x2: FRAME.width - FRAME.right, y1: y(0), y2: y(0), class: 'axis-line' }),
    ...bars,
    text(
      middle,
      FRAME.height - 10,
      "round trip: from the engine's publish to the reply correlated (bins widen 1-2-5)",
      {
        'text-anchor': 'middle',
        class: 'axis-label',
      },
    ),
  );
  return `<p class="chart-note" id="round-trip-summary">${escapeHtml(summary)}</p>${svg}`;
}

/** One bin: its bar (at least 2 px tall when not empty, so a single slow reply shows), count and range. */
function binBar(bin: Bin, left: number, slot: number, y: (v: number) => number): string {
  const bottom = y(0);
  const height = bin.count === 0 ? 0 : Math.max(2, bottom - y(bin.count));
  const range = `${formatMs(bin.from)}–${formatMs(bin.to)}`;
  return el(
    'g',
    { class: 'rt-bin', 'data-from': bin.from, 'data-to': bin.to, 'data-count': bin.count },
    title(`${range}: ${bin.count} replies`),
    el('rect', { class: 'rt-bar', x: left + 3, y: bottom - height, width: Math.max(1, slot - 6), height }),
    bin.count > 0
      ? text(left + slot / 2, bottom - height - 5, String(bin.count), { 'text-anchor': 'middle', class: 'bar-count' })
      : '',
    text(left + slot / 2, bottom + 18, formatMs(bin.from), { 'text-anchor': 'middle', class: 'tick' }),
    text(left + slot / 2, bottom + 32, `to ${formatMs(bin.to)}`, { 'text-anchor': 'middle', class: 'tick minor' }),
  );
}
