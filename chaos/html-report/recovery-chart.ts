/**
 * The chaos report's second chart: the worst recovery of every fault class as a horizontal bar, in
 * the order of the classes, labelled with the time and how often the class was injected. A class
 * that never recovered (or was never injected) gets no bar and says so.
 */
import { formatMs, linearScale, niceCeiling } from './data';
import { colorOf, el, FAULT_COLORS, text, title, xAxis, type Frame } from './svg';

const ROW = 28;
const LEFT = 230;

export interface RecoveryChartInput {
  /** The fault classes in order. */
  readonly classes: readonly string[];
  readonly worstMsByClass: Readonly<Record<string, number | null>>;
  readonly injectedByClass: Readonly<Record<string, number>>;
}

export function recoveryChart(input: RecoveryChartInput): string {
  const { classes, worstMsByClass, injectedByClass } = input;
  const frame: Frame = {
    width: 1100,
    height: 40 + classes.length * ROW + 46,
    left: LEFT,
    right: 90,
    top: 20,
    bottom: 46,
  };
  const worst = classes.reduce((max, c) => Math.max(max, worstMsByClass[c] ?? 0), 0);
  const x = linearScale([0, niceCeiling(worst / 1000, 8)], [frame.left, frame.width - frame.right]);
  const rows = classes.map((faultClass, i) => {
    const ms = worstMsByClass[faultClass] ?? null;
    const injected = injectedByClass[faultClass] ?? 0;
    const y = frame.top + 10 + i * ROW;
    const label = text(frame.left - 10, y + ROW / 2, `${faultClass} (${injected}×)`, {
      'text-anchor': 'end',
      class: 'bar-label',
    });
    if (ms === null) {
      const why = injected === 0 ? 'not injected' : 'none recovered';
      return label + text(frame.left + 6, y + ROW / 2, why, { class: 'bar-value missing', 'data-class': faultClass });
    }
    const width = Math.max(1, x(ms / 1000) - frame.left);
    return (
      label +
      el(
        'rect',
        {
          class: 'recovery-bar',
          'data-class': faultClass,
          'data-ms': ms,
          x: frame.left,
          y: y + 4,
          width,
          height: ROW - 8,
          fill: colorOf(FAULT_COLORS, i),
        },
        title(`${faultClass}: worst recovery ${formatMs(ms)} over ${injected} injections`),
      ) +
      text(frame.left + width + 6, y + ROW / 2, formatMs(ms), { class: 'bar-value', 'data-class': faultClass })
    );
  });
  return el(
    'svg',
    {
      id: 'recovery-chart',
      viewBox: `0 0 ${frame.width} ${frame.height}`,
      role: 'img',
      'aria-label': 'worst recovery per fault class',
    },
    xAxis(frame, x, 'worst recovery: from the fault until every loop it hit had a reply accepted again (s)', String),
    ...rows,
  );
}
