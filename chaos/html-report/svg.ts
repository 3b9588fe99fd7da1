/**
 * Small SVG and HTML building blocks for the chaos report (../html-report.ts): escaping, elements,
 * axes and legends. Every text and attribute value goes through escapeHtml, so a fault's note or a
 * violation's detail can never become markup.
 */
import { niceTicks, type Scale } from './data';

/** Text safe inside an element and inside a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export type Attributes = Readonly<Record<string, string | number | undefined>>;

/** One element: attribute values are escaped, children are markup already (use text() for text). */
export function el(tag: string, attributes: Attributes, ...children: string[]): string {
  const attrs = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeHtml(typeof value === 'number' ? round(value) : String(value))}"`)
    .join('');
  return children.length === 0 ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${children.join('')}</${tag}>`;
}

/** An SVG text element with escaped content. */
export function text(x: number, y: number, content: string, attributes: Attributes = {}): string {
  return el('text', { x, y, ...attributes }, escapeHtml(content));
}

/** A tooltip for the element it is put in. */
export function title(content: string): string {
  return el('title', {}, escapeHtml(content));
}

/** Coordinates with two decimals at most: enough for a screen, short in the file. */
export function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** The plot area of a chart inside its SVG (pixels). */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** An x axis along the bottom of the frame: ticks, their labels and the axis title. */
export function xAxis(frame: Frame, scale: Scale, label: string, format: (v: number) => string): string {
  const y = frame.height - frame.bottom;
  const ticks = niceTicks(scale.domain[0], scale.domain[1], 8).map((tick) => {
    const x = scale(tick);
    return (
      el('line', { x1: x, x2: x, y1: frame.top, y2: y, class: 'grid' }) +
      text(x, y + 18, format(tick), { 'text-anchor': 'middle', class: 'tick' })
    );
  });
  return el(
    'g',
    { class: 'axis x-axis' },
    el('line', { x1: frame.left, x2: frame.width - frame.right, y1: y, y2: y, class: 'axis-line' }),
    ...ticks,
    text((frame.left + frame.width - frame.right) / 2, frame.height - 8, label, {
      'text-anchor': 'middle',
      class: 'axis-label',
    }),
  );
}

/** A y axis along the left of the frame: ticks, their labels and the axis title (rotated). */
export function yAxis(frame: Frame, scale: Scale, label: string, format: (v: number) => string): string {
  const ticks = niceTicks(scale.domain[0], scale.domain[1], 6).map((tick) => {
    const y = scale(tick);
    return (
      el('line', { x1: frame.left, x2: frame.width - frame.right, y1: y, y2: y, class: 'grid' }) +
      text(frame.left - 8, y + 4, format(tick), { 'text-anchor': 'end', class: 'tick' })
    );
  });
  const middle = (frame.top + frame.height - frame.bottom) / 2;
  // Close to the tick labels, whatever the left margin.
  const labelX = Math.max(16, frame.left - 52);
  return el(
    'g',
    { class: 'axis y-axis' },
    el('line', { x1: frame.left, x2: frame.left, y1: frame.top, y2: frame.height - frame.bottom, class: 'axis-line' }),
    ...ticks,
    text(labelX, middle, label, {
      'text-anchor': 'middle',
      class: 'axis-label',
      transform: `rotate(-90 ${labelX} ${middle})`,
    }),
  );
}

/** A legend as HTML (it wraps at any width): a swatch and a label per entry. */
export function legend(entries: ReadonlyArray<{ label: string; color: string; kind: 'line' | 'box' }>): string {
  return el(
    'ul',
    { class: 'legend' },
    ...entries.map((entry) =>
      el(
        'li',
        {},
        el('span', { class: `swatch ${entry.kind}`, style: `--swatch:${entry.color}` }, ''),
        escapeHtml(entry.label),
      ),
    ),
  );
}

/** Colours of the loops' lines: strong, told apart easily. */
export const LOOP_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
/** Colours of the fault classes' markers: warm and light, behind the lines. */
export const FAULT_COLORS = [
  '#ff7f0e',
  '#d62728',
  '#e6a100',
  '#c44e52',
  '#f28e2b',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#edc948',
  '#e15759',
  '#76b7b2',
  '#59a14f',
];

export function colorOf(palette: readonly string[], index: number): string {
  return palette[index % palette.length] as string;
}

/**
 * A whole page around a report's body. The Content-Security-Policy fetches nothing, whatever a text in
 * the page says; styles are inline and images may only be data: URLs.
 */
export function selfContainedPage(title: string, style: string, body: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head><body><main>',
    ...body,
    '</main></body></html>',
    '',
  ].join('\n');
}
