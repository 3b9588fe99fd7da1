/**
 * The benchmark's report as one self-contained HTML page (`npm run bench -- --report <file.html>`):
 * round trips per second per pattern and loop count, and per pattern the distribution of its round
 * trips, the steps of one and where its time goes, above the run's settings. Pure: the report in, the
 * page out. Charts are inline SVG built with the chaos report's helpers; the page loads nothing (no
 * script, no font, no network: CSP default-src 'none'), and every text in it is escaped.
 */
import { el, escapeHtml, selfContainedPage } from '../chaos/html-report/svg';
import { latencyChart, type LatencySeries } from './html-report/latency-chart';
import { throughputChart } from './html-report/throughput-chart';
import type { Pattern } from './options';
import { stepColumns, whereTheTimeGoes, type StepResult } from './results';
import { PART_LABELS, PULL_PARTS, PUSH_PARTS } from './round-trips';
import type { BenchReport } from './run';

export function benchHtmlReport(report: BenchReport): string {
  const patterns = [...new Set(report.steps.map((s) => s.pattern))];
  const heading = `Benchmark of ${report.startedAt}`;
  const o = report.options;
  const body = [
    el('h1', {}, escapeHtml(heading)),
    el(
      'p',
      { class: 'subtitle' },
      escapeHtml(
        `${patterns.join(', ')}; ${o.loops.join(', ')} loops; ${o.durationSeconds} s per step after ${o.warmupSeconds} s warm-up; HISTORY_LEVEL=${o.history}; ${report.machine.cpus} CPUs, load at start ${report.machine.loadAverageAtStart.join(' ')}. A round trip: from one reply stored to the next of the same loop.`,
      ),
    ),
    section('Round trips per second', 'Per loop count, one bar per pattern.', throughputChart(report.steps)),
    section(
      'All steps',
      'Percentiles are nearest-rank; the load is the 1-minute average at the end of the step.',
      stepsHtml(report.steps),
    ),
    ...patterns.map((pattern) => patternSection(report, pattern)),
    section(
      'Engine settings',
      'The local stack’s and the benchmark’s, --set over both.',
      el(
        'p',
        {},
        el(
          'code',
          {},
          escapeHtml(
            Object.entries(report.engineSettings)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ),
        ),
      ),
    ),
  ];
  return selfContainedPage(heading, STYLE, body);
}

function section(heading: string, explanation: string, content: string, id?: string): string {
  return el(
    'section',
    { id },
    el('h2', {}, escapeHtml(heading)),
    el('p', { class: 'explain' }, escapeHtml(explanation)),
    content,
  );
}

/** One pattern: its round-trip distribution per loop count, the steps of a round trip, where the time goes. */
function patternSection(report: BenchReport, pattern: Pattern): string {
  const steps = report.steps.filter((s) => s.pattern === pattern);
  const series: LatencySeries[] = steps.map((s) => ({
    label: `${s.loops} loop${s.loops === 1 ? '' : 's'}`,
    valuesMs: s.roundTripsMs,
  }));
  if (pattern === 'push-relay' && report.relayHop)
    series.push({ label: 'relay hop alone (204 endpoint)', valuesMs: report.relayHop.hopsMs });
  const names = pattern.startsWith('pull') ? PULL_PARTS : PUSH_PARTS;
  const parts = table(
    ['p50 ms', 'round trip', ...names.map((n) => PART_LABELS[n])],
    steps.map((s) => [`${s.loops} loop(s)`, s.p50Ms, ...names.map((n) => s.parts[n] ?? null)]),
  );
  const where = whereTheTimeGoes(report.steps, pattern, { p50Ms: report.relayHopP50Ms });
  return section(
    `${pattern}: round trips`,
    'The share of round trips in each bin, a series per loop count; below, the steps of one round trip (medians) from the log lines.',
    latencyChart(`latency-${pattern}`, series) + parts + el('p', { class: 'where' }, escapeHtml(where)),
    `pattern-${pattern}`,
  );
}

function stepsHtml(steps: readonly StepResult[]): string {
  const { header, rows } = stepColumns(steps);
  return table(header, rows);
}

function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const cell = (tag: 'th' | 'td', value: string | number | null) =>
    el(tag, {}, escapeHtml(value === null ? '-' : String(value)));
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...header.map((h) => cell('th', h)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((v) => cell('td', v))))),
  );
}

/** The style sheet, inline in the page: nothing is fetched, the fonts are the system's. */
const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6575; --line: #d9dee6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: var(--ink); background: #f5f7fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 0 0 4px; }
.subtitle, .chart-note, .explain { color: var(--muted); margin: 0 0 10px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-top: 18px; }
svg { width: 100%; height: auto; display: block; font-size: 13px; }
svg text { fill: var(--ink); }
.grid { stroke: #eef1f5; } .axis-line { stroke: #8a94a6; }
.tick { fill: var(--muted); font-size: 12px; } .axis-label { font-size: 13px; font-weight: 600; fill: var(--muted); }
.bar-count { font-size: 12px; } .lat-bar:hover, .tp-step:hover .tp-bar { opacity: 0.75; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 8px 0 0 62px; font-size: 13px; }
.swatch { display: inline-block; width: 18px; height: 12px; margin-right: 6px; vertical-align: middle; background: var(--swatch); }
.where { margin: 10px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 10px; }
th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid #eef1f5; } th:first-child, td:first-child { text-align: left; }
code { background: #eef1f5; padding: 1px 5px; border-radius: 4px; }
`;
