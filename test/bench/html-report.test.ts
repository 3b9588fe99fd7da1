// The benchmark's HTML report (bench/html-report.ts), built from a synthetic report (no stack run) and
// opened in the system's headless Chromium (skipped where there is none, as the chaos report's test
// does): the charts drew what they were given, the page fetched nothing, and text cannot become markup.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

import { benchHtmlReport } from '../../bench/html-report';
import { parseBenchOptions } from '../../bench/options';
import { stepResult, type StepResult } from '../../bench/results';
import type { BenchReport } from '../../bench/run';
import { findChromium, launchChromium } from '../../scripts/render-bpmn';
import { openOffline } from '../support/offline-page';

interface Graphic {
  getBBox(): { x: number; y: number; width: number; height: number };
}

const EVIL = '<script>window.evil = 1</script><img src="http://example.invalid/x.png">';

function step(pattern: StepResult['pattern'], loops: number, roundTripsMs: number[]): StepResult {
  return stepResult(pattern, loops, 10, roundTripsMs, { cpuSeconds: 1, peakRssMiB: 400 }, 1, {
    parts: pattern.startsWith('pull')
      ? { engineToWorkerMs: 5, completeCallMs: 8 }
      : { replyCallMs: 20, betweenCallsMs: 30, handlerMs: 0 },
    publishToStoredP50Ms: pattern.startsWith('pull') ? null : 50,
    ...(pattern === 'push-relay' ? { relaySplit: { brokerP50Ms: 31, engineAndFunctionP50Ms: 22, pairs: 3 } } : {}),
  });
}

function synthetic(): BenchReport {
  const steps = [
    step('push', 1, [100, 105, 110, 120, 400]),
    step(
      'push',
      10,
      Array.from({ length: 40 }, (_, i) => 200 + i * 10),
    ),
    step('push-relay', 1, [50, 52, 55, 60]),
    step('pull-long', 1, [12, 14, 15]),
  ];
  return {
    startedAt: '2026-12-01T12:00:00.000Z',
    options: parseBenchOptions(['--loops', '1,10', '--patterns', 'push,push-relay,pull-long']),
    engineSettings: { HISTORY_LEVEL: 'none', JOB_CORE_POOL_SIZE: EVIL },
    machine: { cpus: 2, loadAverageAtStart: [0.5, 0.4, 0.3] },
    coldStart: { engineReadyMs: 3000, firstRoundTripMs: 5000 },
    engineIdleCpuMsPerSecond: 12,
    steps,
    idle: [],
    breakdown: [],
    relayHop: { count: 3, p50: 30, p95: 35, p99: 35, max: 35, seconds: 10, perSecond: 0.3, hopsMs: [30, 31, 35] },
    relayHopP50Ms: 30,
    relayAddedP50Ms: 22,
    relay: { concurrency: 64, acked: 4, nacked: 0, mostInFlight: 1, receivedAfterPublishP50Ms: 10, postP50Ms: 25 },
    engines: [{ port: 8080, requestsAnswered: 10 }],
  };
}

describe('bench HTML report (in headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let dir: string;
  let page: Page;
  let requests: readonly string[] = [];

  before(async function () {
    const executable = findChromium();
    if (!executable) this.skip();
    browser = await launchChromium(executable as string);
    dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, benchHtmlReport(synthetic()));
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

  it('draws one bar per step in the throughput chart, as tall as its round trips per second', async () => {
    const bars = await page.$$eval('#throughput-chart .tp-step', (els) =>
      els.map((el) => ({
        step: `${el.getAttribute('data-pattern')}/${el.getAttribute('data-loops')}`,
        perSecond: Number(el.getAttribute('data-per-second')),
        height: (el.querySelector('rect') as unknown as Graphic).getBBox().height,
      })),
    );
    expect(bars.map((b) => b.step)).to.have.members(['push/1', 'push/10', 'push-relay/1', 'pull-long/1']);
    const push1 = bars.find((b) => b.step === 'push/1')!;
    const push10 = bars.find((b) => b.step === 'push/10')!;
    expect(push10.height / push1.height).to.be.closeTo(push10.perSecond / push1.perSecond, 0.05);
  });

  it('draws a latency distribution per pattern whose bars count every round trip of each series', async () => {
    const charts = await page.$$eval('svg.latency-chart', (els) => els.map((el) => el.id));
    expect(charts).to.deep.equal(['latency-push', 'latency-push-relay', 'latency-pull-long']);
    const counts = await page.$$eval('#latency-push .lat-bar', (els) =>
      els.map((el) => ({
        series: el.getAttribute('data-series'),
        count: Number(el.getAttribute('data-count')),
        height: (el as unknown as Graphic).getBBox().height,
      })),
    );
    const sum = (series: string) => counts.filter((c) => c.series === series).reduce((n, c) => n + c.count, 0);
    expect(sum('1 loop')).to.equal(5);
    expect(sum('10 loops')).to.equal(40);
    for (const bar of counts) expect(bar.height > 0, `a bar of ${bar.count}`).to.equal(bar.count > 0);
    const relaySeries = await page.$$eval('#latency-push-relay .lat-bar', (els) => [
      ...new Set(els.map((el) => el.getAttribute('data-series'))),
    ]);
    expect(relaySeries).to.deep.equal(['1 loop', 'relay hop alone (204 endpoint)']);
  });

  it('says where the time goes for each pattern', async () => {
    const lines = await page.$$eval('.where', (els) => els.map((el) => el.textContent));
    expect(lines).to.have.length(3);
    expect(lines[1]).to.contain('the broker (publish to the relay) p50 31 ms');
    expect(lines[1]).to.contain("the engine and the function (the relay's handover to the next publish) p50 22 ms");
  });

  it('shows text with <script> in it as text, never as markup', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { evil?: number }).evil)).to.equal(undefined);
    expect(await page.$$('script')).to.have.length(0);
    expect(await page.$$('img')).to.have.length(0);
    expect(await page.textContent('main')).to.contain(EVIL);
  });
});
