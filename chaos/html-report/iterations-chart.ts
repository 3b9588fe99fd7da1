/**
 * The chaos report's first chart: iterations over time, one line per loop, and the faults above it in
 * one lane per class: each fault a span from the moment it hit to its recovery (to the chart's end
 * when it never recovered), with a thin line down through the plot where it hit. A flat stretch of a
 * loop's line is the loop waiting.
 */
import type { InjectedFault } from '../recovery';
import type { TimelineData } from '../timeline';
import { linearScale, niceCeiling, thin, timeSpan, type Scale } from './data';
import { colorOf, el, FAULT_COLORS, legend, LOOP_COLORS, round, text, title, xAxis, yAxis, type Frame } from './svg';

/** More points per line than this are thinned (data.ts thin): a full run has thousands per loop. */
export const MAX_POINTS_PER_LOOP = 2500;

const LANE = 13;
const PLOT_HEIGHT = 360;

export interface IterationsChartInput {
  readonly timeline: TimelineData;
  readonly faults: readonly InjectedFault[];
  /** The fault classes in order (of the lanes and of their colours). */
  readonly classes: readonly string[];
  /** Every loop's name, also of those without a reply. */
  readonly loops: readonly string[];
}

/** Where things go: the frame of the plot, the lanes above it, and the scales. */
interface Layout {
  readonly frame: Frame;
  readonly lanes: readonly string[];
  readonly x: Scale;
  readonly y: Scale;
  readonly seconds: (at: number) => number;
}

export function iterationsChart(input: IterationsChartInput): string {
  const { timeline, faults, classes, loops } = input;
  const lanes = classes.filter((c) => faults.some((fault) => fault.faultClass === c));
  const top = 16 + lanes.length * LANE + 12;
  const frame: Frame = { width: 1100, height: top + PLOT_HEIGHT + 46, left: 130, right: 20, top, bottom: 46 };
  const span = timeSpan(timeline, faults);
  const seconds = (at: number) => (at - span.from) / 1000;
  const x = linearScale([0, seconds(span.to)], [frame.left, frame.width - frame.right]);
  const highest = Math.max(1, ...loops.map((loop) => lastIteration(timeline, loop)));
  const y = linearScale([0, niceCeiling(highest, 6)], [frame.height - frame.bottom, frame.top]);
  const layout: Layout = { frame, lanes, x, y, seconds };
  const svg = el(
    'svg',
    {
      id: 'iterations-chart',
      viewBox: `0 0 ${frame.width} ${frame.height}`,
      role: 'img',
      'aria-label': 'iterations over time per loop, with the faults marked',
    },
    faultPhase(timeline, layout),
    xAxis(frame, x, 'time (s) from the start of the fault phase, or from an earlier first reply', String),
    yAxis(frame, y, 'iteration', String),
    ...lanes.map((faultClass, i) =>
      text(frame.left - 8, laneY(i) + LANE / 2, faultClass, { 'text-anchor': 'end', class: 'lane-label' }),
    ),
    el('g', { class: 'faults' }, ...faults.map((fault) => faultMarker(fault, classes, layout))),
    el('g', { class: 'loops' }, ...loops.map((loop, i) => loopLine(timeline, loop, colorOf(LOOP_COLORS, i), layout))),
  );
  return svg + legend(loops.map((loop, i) => ({ label: loop, color: colorOf(LOOP_COLORS, i), kind: 'line' as const })));
}

function laneY(index: number): number {
  return 16 + index * LANE;
}

function lastIteration(timeline: TimelineData, loop: string): number {
  const points = timeline.replies[loop] ?? [];
  return points.reduce((max, point) => Math.max(max, point.iteration), 0);
}

/** One loop's line; data-replies is the number of replies it stands for, points the (thinned) vertices. */
function loopLine(timeline: TimelineData, loop: string, color: string, { x, y, seconds }: Layout): string {
  const points = timeline.replies[loop] ?? [];
  const vertices = thin(points, MAX_POINTS_PER_LOOP)
    .map((point) => `${round(x(seconds(point.at)))},${round(y(point.iteration))}`)
    .join(' ');
  return el(
    'polyline',
    { class: 'loop-line', 'data-loop': loop, 'data-replies': points.length, points: vertices, stroke: color },
    title(`${loop}: ${points.length} replies accepted, last iteration ${lastIteration(timeline, loop)}`),
  );
}

/** A span in the lane of its class from the fault to its recovery, and a line down the plot where it hit. */
function faultMarker(fault: InjectedFault, classes: readonly string[], layout: Layout): string {
  const { frame, lanes, x, seconds } = layout;
  const color = colorOf(FAULT_COLORS, Math.max(0, classes.indexOf(fault.faultClass)));
  const start = x(seconds(fault.at));
  const recovered = fault.recoveryMs !== undefined;
  const end = recovered ? x(seconds(fault.at + (fault.recoveryMs ?? 0))) : frame.width - frame.right;
  const where = fault.loop
    ? `${fault.loop}${fault.iteration !== undefined ? ` iteration ${fault.iteration}` : ''}`
    : 'all loops';
  const recovery = recovered ? `recovered in ${((fault.recoveryMs ?? 0) / 1000).toFixed(1)} s` : 'not recovered';
  const lane = laneY(Math.max(0, lanes.indexOf(fault.faultClass)));
  return el(
    'g',
    {
      class: `fault-marker${recovered ? '' : ' unrecovered'}`,
      'data-fault-class': fault.faultClass,
      'data-fault-index': fault.index,
    },
    title(
      `#${fault.index} ${fault.faultClass} at ${seconds(fault.at).toFixed(1)} s, ${where}: ${recovery}${fault.note ? ` (${fault.note})` : ''}`,
    ),
    el('rect', {
      class: 'fault-span',
      x: start,
      y: lane + 2,
      width: Math.max(3, end - start),
      height: LANE - 4,
      fill: color,
    }),
    el('line', {
      class: 'fault-line',
      x1: start,
      x2: start,
      y1: lane + LANE,
      y2: frame.height - frame.bottom,
      stroke: color,
    }),
  );
}

/** A light backdrop over the fault phase, when the run said when it began and ended. */
function faultPhase(timeline: TimelineData, { frame, x, seconds }: Layout): string {
  if (timeline.faultsFrom === undefined) return '';
  const start = x(seconds(timeline.faultsFrom));
  const end = timeline.faultsUntil === undefined ? frame.width - frame.right : x(seconds(timeline.faultsUntil));
  return el(
    'rect',
    {
      class: 'fault-phase',
      x: start,
      y: frame.top,
      width: Math.max(0, end - start),
      height: frame.height - frame.bottom - frame.top,
    },
    title(
      `faults injected from ${seconds(timeline.faultsFrom).toFixed(0)} s ${timeline.faultsUntil === undefined ? 'on' : `to ${seconds(timeline.faultsUntil).toFixed(0)} s`}`,
    ),
  );
}
