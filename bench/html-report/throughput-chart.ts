/**
 * The benchmark report's throughput chart: round trips per second, a group of bars per loop count
 * with one bar per pattern, each labelled with its value.
 */
import { linearScale, niceCeiling } from '../../chaos/html-report/data';
import { colorOf, el, legend, LOOP_COLORS, text, title, yAxis, type Frame } from '../../chaos/html-report/svg';
import type { StepResult } from '../results';

const FRAME: Frame = { width: 1100, height: 340, left: 70, right: 20, top: 24, bottom: 50 };

export function throughputChart(steps: readonly StepResult[]): string {
  const patterns = [...new Set(steps.map((s) => s.pattern))];
  const loopCounts = [...new Set(steps.map((s) => s.loops))].sort((a, b) => a - b);
  const highest = steps.reduce((max, s) => Math.max(max, s.perSecond), 0);
  const y = linearScale([0, niceCeiling(highest, 5)], [FRAME.height - FRAME.bottom, FRAME.top]);
  const slot = (FRAME.width - FRAME.left - FRAME.right) / Math.max(1, loopCounts.length);
  const barWidth = Math.max(2, (slot - 40) / Math.max(1, patterns.length));
  const bottom = y(0);
  const groups = loopCounts.map((loops, li) => {
    const left = FRAME.left + li * slot + 20;
    const bars = patterns.map((pattern, pi) => {
      const step = steps.find((s) => s.pattern === pattern && s.loops === loops);
      if (!step) return '';
      const height = Math.max(step.perSecond > 0 ? 2 : 0, bottom - y(step.perSecond));
      const x = left + pi * barWidth;
      return el(
        'g',
        { class: 'tp-step', 'data-pattern': pattern, 'data-loops': loops, 'data-per-second': step.perSecond },
        title(`${pattern}, ${loops} loop(s): ${step.perSecond} round trips per second`),
        el('rect', {
          class: 'tp-bar',
          x: x + 1,
          y: bottom - height,
          width: barWidth - 2,
          height,
          fill: colorOf(LOOP_COLORS, pi),
        }),
        text(x + barWidth / 2, bottom - height - 5, String(step.perSecond), {
          'text-anchor': 'middle',
          class: 'bar-count',
        }),
      );
    });
    return el(
      'g',
      { class: 'tp-group' },
      ...bars,
      text(FRAME.left + li * slot + slot / 2, bottom + 18, `${loops} loop${loops === 1 ? '' : 's'}`, {
        'text-anchor': 'middle',
        class: 'tick',
      }),
    );
  });
  const svg = el(
    'svg',
    { id: 'throughput-chart', viewBox: `0 0 ${FRAME.width} ${FRAME.height}`, role: 'img', 'aria-label': 'throughput' },
    yAxis(FRAME, y, 'round trips per second', String),
    el('line', { x1: FRAME.left, x2: FRAME.width - FRAME.right, y1: bottom, y2: bottom, class: 'axis-line' }),
    ...groups,
  );
  return svg + legend(patterns.map((p, i) => ({ label: p, color: colorOf(LOOP_COLORS, i), kind: 'box' as const })));
}
