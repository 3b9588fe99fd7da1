/**
 * The chaos run's report as one self-contained HTML page (`npm run chaos -- --report <file.html>`):
 * iterations over time per loop with the faults marked, the worst recovery per fault class as bars,
 * and the distribution of round trips, above the run's figures and violations. Pure: the report and
 * the timeline in, the page out. Charts are inline SVG; the page loads nothing (no script, no font, no
 * network), and every text in it is escaped.
 */
import { iterationsChart } from './html-report/iterations-chart';
import { recoveryChart } from './html-report/recovery-chart';
import { roundTripChart } from './html-report/round-trip-chart';
import { el, escapeHtml, selfContainedPage } from './html-report/svg';
import { describeFault, type ChaosReport } from './report';
import type { TimelineData } from './timeline';

export function chaosHtmlReport(report: ChaosReport, timeline: TimelineData): string {
  const classes = Object.keys(report.faultsByClass);
  const loops = Object.keys(report.iterationsPerLoop);
  const verdict = report.ok ? 'PASSED' : 'FAILED';
  const heading = `Chaos run ${verdict}: seed ${report.seed}`;
  const body = [
    el(
      'h1',
      {},
      'Chaos run ',
      el('span', { class: `verdict ${report.ok ? 'ok' : 'failed'}` }, verdict),
      `: seed ${escapeHtml(String(report.seed))}`,
    ),
    el('p', { class: 'subtitle' }, escapeHtml(subtitle(report))),
    figures(report),
    violations(report),
    section(
      'Iterations over time',
      'Each line is a loop: the iteration of every reply the engine accepted, when the run heard of it. Above the plot, one lane per fault class: each fault a span from the moment it hit until every loop it hit turned again (dashed red: never), with a thin line down where it hit. The shaded backdrop is the fault phase; a flat stretch of a line is a loop waiting. Hover for details.',
      iterationsChart({ timeline, faults: report.faults, classes, loops }),
    ),
    section(
      'Worst recovery per fault class',
      'The longest time any fault of the class took until every loop it hit had a reply accepted again; in brackets how often the class was injected.',
      recoveryChart({ classes, worstMsByClass: report.worstRecoveryMsByClass, injectedByClass: report.faultsByClass }),
    ),
    section(
      'Round-trip distribution',
      'Round trips of the accepted replies as the function measured them.',
      roundTripChart(timeline.roundTripsMs),
    ),
    faultList(report),
  ];
  return selfContainedPage(heading, STYLE, body);
}

function subtitle(report: ChaosReport): string {
  return `${report.loops} loops, ${report.iterations} iterations, ${report.faults.length} faults; wall time ${report.wallSeconds} s (faults for ${report.faultPhaseSeconds} s); stopped by ${report.stoppedBy}`;
}

function section(heading: string, explanation: string, content: string): string {
  return el(
    'section',
    {},
    el('h2', {}, escapeHtml(heading)),
    el('p', { class: 'explain' }, escapeHtml(explanation)),
    content,
  );
}

/** The headline figures as a grid of labelled numbers. */
function figures(report: ChaosReport): string {
  const m = report.messages;
  const entries: Array<[string, string]> = [
    ['iterations', `${report.iterations}`],
    ...Object.entries(report.iterationsPerLoop).map(([loop, n]): [string, string] => [loop, `${n}`]),
    ['violations', `${report.violations.length}`],
    ['messages published', `${m.published}`],
    ['delivered once', `${m.deliveredOnce}`],
    ['absorbed as duplicates', `${m.absorbedAsDuplicate}`],
    ['dropped (fault / broker)', `${m.droppedByFault} / ${m.droppedByBroker}`],
    ['dead-lettered / unsettled', `${m.deadLettered} / ${m.unsettled}`],
    ['Pub/Sub redeliveries', `${report.retries.function}`],
    ['failed engine jobs seen', `${report.retries.engineJobs}`],
    ['replies raced ahead', `${report.repliesRacedAhead}`],
    ['active PushTask per loop', `${report.minActiveEcho} to ${report.maxActiveEcho}`],
    ['open incidents at the end', `${report.incidents}`],
    [
      'database growth / 1,000 it.',
      report.database.bytesPer1000Iterations === null
        ? '-'
        : `${(report.database.bytesPer1000Iterations / 1_048_576).toFixed(1)} MiB`,
    ],
  ];
  return el(
    'section',
    {},
    el(
      'dl',
      { class: 'figures' },
      ...entries.map(([label, value]) =>
        el('div', {}, el('dt', {}, escapeHtml(label)), el('dd', {}, escapeHtml(value))),
      ),
    ),
  );
}

/** Every violation with the faults that led to it, and the command that replays the run. */
function violations(report: ChaosReport): string {
  if (report.violations.length === 0) return '';
  const items = report.violations.map((violation) => {
    const where = [
      violation.loop,
      violation.iteration !== undefined ? `iteration ${violation.iteration}` : '',
      violation.messageId ? `message ${violation.messageId}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const before = violation.faultsBefore.map((fault) => el('li', {}, escapeHtml(`after ${fault}`)));
    return el(
      'li',
      {},
      escapeHtml(`${violation.what}${where ? ` ${where}` : ''}: ${violation.detail}`),
      before.length > 0 ? el('ul', {}, ...before) : '',
    );
  });
  return el(
    'section',
    { id: 'violations' },
    el('h2', {}, escapeHtml(`Violations (${report.violations.length})`)),
    el('ul', { class: 'violations' }, ...items),
    el(
      'p',
      {},
      'Replay: ',
      el('code', {}, escapeHtml(`npm run chaos -- --seed ${report.seed}`)),
      escapeHtml(` (logs: ${report.runFolder})`),
    ),
  );
}

/** Every fault injected, one line each, folded away. */
function faultList(report: ChaosReport): string {
  if (report.faults.length === 0) return '';
  return el(
    'section',
    {},
    el(
      'details',
      {},
      el('summary', {}, el('strong', {}, escapeHtml(`All ${report.faults.length} faults`))),
      el('table', {}, ...report.faults.map((fault) => el('tr', {}, el('td', {}, escapeHtml(describeFault(fault)))))),
    ),
  );
}

/** The style sheet, inline in the page: nothing is fetched, the fonts are the system's. */
const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6575; --line: #d9dee6; --ok: #1a7f37; --bad: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: var(--ink); background: #f5f7fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 .verdict.ok { color: var(--ok); } h1 .verdict.failed { color: var(--bad); }
h2 { font-size: 19px; margin: 0 0 4px; }
.subtitle, .chart-note, .explain { color: var(--muted); margin: 0 0 10px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-top: 18px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 0; }
.figures div { border-left: 3px solid var(--line); padding: 2px 10px; }
.figures dt { color: var(--muted); font-size: 13px; } .figures dd { margin: 0; font-size: 18px; font-weight: 600; }
svg { width: 100%; height: auto; display: block; font-size: 13px; }
svg text { fill: var(--ink); }
.grid { stroke: #eef1f5; } .axis-line { stroke: #8a94a6; }
.tick { fill: var(--muted); font-size: 12px; } .tick.minor { font-size: 10.5px; }
.axis-label { font-size: 13px; font-weight: 600; fill: var(--muted); }
.loop-line { fill: none; stroke-width: 2; stroke-linejoin: round; }
.fault-line { stroke-width: 1; opacity: 0.45; } .fault-marker:hover .fault-line { opacity: 1; stroke-width: 2; }
.fault-marker.unrecovered .fault-span { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 4 2; }
.lane-label { fill: var(--muted); font-size: 11px; dominant-baseline: middle; }
.fault-phase { fill: #fff8e6; }
.bar-label, .bar-value { dominant-baseline: middle; } .bar-value.missing { fill: var(--muted); font-style: italic; }
.rt-bar { fill: #4e79a7; } .rt-bin:hover .rt-bar { fill: #2d5a88; } .bar-count { font-size: 12px; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 8px 0 0 62px; font-size: 13px; }
.swatch { display: inline-block; width: 18px; margin-right: 6px; vertical-align: middle; background: var(--swatch); }
.swatch.line { height: 3px; } .swatch.box { height: 12px; opacity: 0.6; }
.violations li { color: var(--bad); margin-bottom: 6px; } .violations li ul { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef1f5; vertical-align: top; }
code { background: #eef1f5; padding: 1px 5px; border-radius: 4px; }
`;
