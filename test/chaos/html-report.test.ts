// The chaos run's HTML report (chaos/html-report.ts), built from a synthetic report (no stack run) and
// opened in the system's headless Chromium (skipped where there is none, as test/docs/bpmn-pictures
// does): the charts drew what they were given, the page fetched nothing, and text cannot become markup.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

import { chaosHtmlReport } from '../../chaos/html-report';
import type { InjectedFault } from '../../chaos/recovery';
import type { ChaosReport } from '../../chaos/report';
import type { ReplyPoint, TimelineData } from '../../chaos/timeline';
import { findChromium, launchChromium } from '../../scripts/render-bpmn';
import { openOffline } from '../support/offline-page';

/** What the tests read of SVG elements in the page (the project compiles without the DOM's types). */
interface Graphic {
  getBBox(): { x: number; y: number; width: number; height: number };
}
interface Polyline extends Graphic {
  readonly points: { readonly numberOfItems: number };
}

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const EVIL = '<script>window.evil = 1</script><img src="http://example.invalid/x.png">';

/** loop-1 turns 40 times, loop-2 25 times with a stall in the middle; three faults, one never recovered. */
function synthetic(): { report: ChaosReport; timeline: TimelineData } {
  const replies = (count: number, everyMs: number, stallAfter = Infinity): ReplyPoint[] =>
    Array.from({ length: count }, (_, i) => ({
      at: T0 + i * everyMs + (i >= stallAfter ? 20_000 : 0),
      iteration: i + 1,
    }));
  const fault = (index: number, faultClass: string, atS: number, recoveryMs?: number): InjectedFault => ({
    index,
    faultClass: faultClass as InjectedFault['faultClass'],
    gapMs: 500,
    at: T0 + atS * 1000,
    loops: ['loop-1', 'loop-2'],
    ...(recoveryMs !== undefined ? { recoveryMs } : {}),
    ...(index === 2 ? { note: EVIL } : {}),
  });
  const faults = [fault(1, 'lost-ack', 5, 1200), fault(2, 'engine-kill', 12, 21_000), fault(3, 'lost-ack', 30)];
  const report: ChaosReport = {
    ok: false,
    seed: 4242,
    loops: 2,
    iterations: 65,
    iterationsPerLoop: { 'loop-1': 40, 'loop-2': 25 },
    wallSeconds: 60,
    faultPhaseSeconds: 45,
    faultsByClass: { 'publish-429': 0, 'lost-ack': 2, 'engine-kill': 1 },
    worstRecoveryMsByClass: { 'publish-429': null, 'lost-ack': 1200, 'engine-kill': 21_000 },
    duplicatesAbsorbed: 1,
    retries: { function: 2, engineJobs: 1 },
    repliesRacedAhead: 0,
    messages: {
      published: 66,
      deliveredOnce: 65,
      absorbedAsDuplicate: 1,
      deadLettered: 0,
      droppedByFault: 0,
      unsettled: 0,
      answerLost: 0,
      strandedInEmulator: 0,
      droppedByBroker: 0,
    },
    deadLetters: [],
    droppedByBroker: [],
    acceptedSeenOnlyInHistory: [],
    incidents: 0,
    maxActiveEcho: 1,
    minActiveEcho: 1,
    database: { bytesBefore: 1, bytesAfter: 2, bytesPer1000Iterations: 3 },
    violations: [{ what: 'stalled', loop: 'loop-2', iteration: 26, detail: EVIL, at: T0, faultsBefore: [EVIL] }],
    stoppedBy: 'done',
    engineSettings: {},
    runFolder: '/tmp/run',
    faults,
  };
  const roundTripsMs = [40, 45, 60, 120, 130, 150, 900, 1500, 12_000, 31_000];
  return {
    report,
    timeline: {
      replies: { 'loop-1': replies(40, 1000), 'loop-2': replies(25, 1000, 12) },
      roundTripsMs,
      faultsFrom: T0 + 2000,
      faultsUntil: T0 + 40_000,
    },
  };
}

describe('chaos HTML report (in headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let dir: string;
  let page: Page;
  let requests: readonly string[] = [];

  before(async function () {
    const executable = findChromium();
    if (!executable) this.skip();
    browser = await launchChromium(executable as string);
    dir = mkdtempSync(join(tmpdir(), 'chaos-report-'));
    const { report, timeline } = synthetic();
    const file = join(dir, 'report.html');
    writeFileSync(file, chaosHtmlReport(report, timeline));
    // Any request but the page itself is a failure: the page must be self-contained.
    ({ page, requests } = await openOffline(browser, file));
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('made no request besides the page itself', () => {
    expect(requests).to.deep.equal([]);
  });

  it('draws one line per loop through as many points as replies', async () => {
    const lines = await page.$$eval('#iterations-chart polyline.loop-line', (els) =>
      els.map((el) => ({
        loop: el.getAttribute('data-loop'),
        points: (el as unknown as Polyline).points.numberOfItems,
        width: (el as unknown as Polyline).getBBox().width,
      })),
    );
    expect(lines.map(({ loop, points }) => ({ loop, points }))).to.deep.equal([
      { loop: 'loop-1', points: 40 },
      { loop: 'loop-2', points: 25 },
    ]);
    for (const line of lines) expect(line.width, `${line.loop} drawn`).to.be.above(100);
  });

  it('marks every fault, the unrecovered one to the end of the plot', async () => {
    const markers = await page.$$eval('#iterations-chart .fault-marker', (els) =>
      els.map((el) => ({
        faultClass: el.getAttribute('data-fault-class'),
        unrecovered: el.classList.contains('unrecovered'),
        width: (el.querySelector('rect') as unknown as Graphic).getBBox().width,
      })),
    );
    expect(markers.map((m) => [m.faultClass, m.unrecovered])).to.deep.equal([
      ['lost-ack', false],
      ['engine-kill', false],
      ['lost-ack', true],
    ]);
    // engine-kill recovered in 21 s, lost-ack #1 in 1.2 s: the bands are as long.
    expect(markers[1]!.width / markers[0]!.width).to.be.closeTo(21_000 / 1200, 1);
    // A lane per class that was injected, in the order of the classes; the legend names the loops.
    const lanes = await page.$$eval('#iterations-chart .lane-label', (els) => els.map((el) => el.textContent));
    expect(lanes).to.deep.equal(['lost-ack', 'engine-kill']);
    const legend = await page.$$eval('.legend li', (els) => els.map((el) => el.textContent));
    expect(legend).to.deep.equal(['loop-1', 'loop-2']);
  });

  it('draws one bar per recovered class in order, as long as its worst recovery, labelled with it', async () => {
    const bars = await page.$$eval('#recovery-chart rect.recovery-bar', (els) =>
      els.map((el) => ({
        faultClass: el.getAttribute('data-class'),
        y: (el as unknown as Graphic).getBBox().y,
        width: (el as unknown as Graphic).getBBox().width,
      })),
    );
    expect(bars.map((bar) => bar.faultClass)).to.deep.equal(['lost-ack', 'engine-kill']);
    expect(bars[0]!.y).to.be.below(bars[1]!.y);
    expect(bars[1]!.width / bars[0]!.width).to.be.closeTo(21_000 / 1200, 0.5);
    const values = await page.$$eval('#recovery-chart .bar-value', (els) =>
      els.map((el) => [el.getAttribute('data-class'), el.textContent]),
    );
    expect(values).to.deep.equal([
      ['publish-429', 'not injected'],
      ['lost-ack', '1.2 s'],
      ['engine-kill', '21 s'],
    ]);
  });

  it('draws the round trips in bins that sum to the count, every non-empty one visible', async () => {
    const bins = await page.$$eval('#round-trip-chart .rt-bin', (els) =>
      els.map((el) => ({
        count: Number(el.getAttribute('data-count')),
        height: (el.querySelector('rect') as unknown as Graphic).getBBox().height,
      })),
    );
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).to.equal(10);
    for (const bin of bins) expect(bin.height > 0, `a bin of ${bin.count}`).to.equal(bin.count > 0);
    expect(await page.textContent('#round-trip-summary')).to.contain('10 replies');
  });

  it('shows text with <script> in it as text, never as markup', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { evil?: number }).evil)).to.equal(undefined);
    expect(await page.$$('script')).to.have.length(0);
    expect(await page.$$('img')).to.have.length(0);
    expect(await page.textContent('#violations')).to.contain(EVIL);
    expect(await page.textContent('title')).to.equal('Chaos run FAILED: seed 4242');
  });
});
