/**
 * The pure parts of `npm run local`: its options, the function's log lines, the percentiles and the
 * summary's verdict.
 */
import { expect } from 'chai';

import { parseCliArgs } from '../../local/cli';
import { DeliveryStats, parseDeliveryLine, percentiles } from '../../local/deliveries';
import { orderMix, ordersHealthy, ordersSummaryText, type OrdersSummary } from '../../local/example-orders';
import { countLines, parseWorkerLine } from '../../local/example-worker-lines';
import { LoopMonitor } from '../../local/loop-monitor';
import { healthy, progressLine, RateMeter, summarize } from '../../local/progress';
import { DEFAULT_RUN_FOLDER } from '../../local/stack';
import type { CamundaRest } from '../../local/camunda-rest';

describe('local CLI options', () => {
  it('defaults to one loop on H2 until Ctrl-C, a 30 s stall bound and .local/run', () => {
    expect(parseCliArgs([])).to.deep.equal({
      loops: 1,
      database: { type: 'h2' },
      stallMs: 30_000,
      json: false,
      runFolder: DEFAULT_RUN_FOLDER,
    });
    expect(DEFAULT_RUN_FOLDER).to.match(/\/\.local\/run$/);
  });

  it('reads every option', () => {
    const options = parseCliArgs([
      '--loops',
      '10',
      '--duration',
      '2.5',
      '--db',
      'postgres',
      '--stall-seconds',
      '5',
      '--json',
      '--run-folder',
      '/tmp/x',
    ]);
    expect(options).to.deep.equal({
      loops: 10,
      durationMs: 2500,
      database: { type: 'postgres' },
      stallMs: 5000,
      json: true,
      runFolder: '/tmp/x',
    });
    expect(parseCliArgs(['--help'])).to.equal('help');
    expect(parseCliArgs(['-h'])).to.equal('help');
  });

  it('runs an example instead of the loop: 20 orders on H2 within 300 s by default, or as told', () => {
    expect(parseCliArgs(['--example', 'orders'])).to.deep.equal({
      example: 'orders',
      orders: 20,
      deadlineMs: 300_000,
      database: 'h2',
      json: false,
      runFolder: DEFAULT_RUN_FOLDER,
    });
    const options = ['--example=orders', '--orders', '5', '--deadline-seconds', '90', '--db', 'postgres', '--json'];
    expect(parseCliArgs([...options, '--run-folder', '/tmp/o'])).to.deep.equal({
      example: 'orders',
      orders: 5,
      deadlineMs: 90_000,
      database: 'postgres',
      json: true,
      runFolder: '/tmp/o',
    });
  });

  it('takes an existing PostgreSQL database with its credentials, the password also from DB_PASSWORD', () => {
    const url = 'jdbc:postgresql://127.0.0.1:5432/camunda';
    expect(parseCliArgs(['--db-url', url, '--db-user', 'me', '--db-password', 'pw'])).to.deep.include({
      database: { type: 'postgres', url, user: 'me', password: 'pw' },
    });
    expect(parseCliArgs(['--db', 'postgres', '--db-url', url], { DB_PASSWORD: 'secret' })).to.deep.include({
      database: { type: 'postgres', url, user: 'camunda', password: 'secret' },
    });
  });

  for (const [args, message] of [
    [['--loops', '0'], '--loops must be a whole number from 1 to 100'],
    [['--loops', '2.5'], '--loops must be a whole number'],
    [['--duration=-1'], '--duration must be a number of seconds above 0'],
    [['--stall-seconds', 'soon'], '--stall-seconds must be a number of seconds'],
    [['--db', 'mysql'], "--db must be h2 or postgres, got 'mysql'"],
    [['--db', 'h2', '--db-url', 'jdbc:postgresql://h/db'], '--db-url needs --db postgres'],
    [['--db-url', 'postgres://h/db', '--db-password', 'x'], '--db-url must look like jdbc:postgresql://'],
    [['--db-url', 'jdbc:postgresql://h/db'], '--db-url needs --db-password'],
    [['--db-user', 'me'], '--db-user and --db-password go with --db-url'],
    [['--example', 'shop'], "--example must be one of orders, got 'shop'"],
    [['--example', 'orders', '--orders', '0'], '--orders must be a whole number from 1 to 1000'],
    [['--example', 'orders', '--deadline-seconds', 'never'], '--deadline-seconds must be a number of seconds above 0'],
    [['--example', 'orders', '--loops', '2'], '--loops is for the echo loop, not --example'],
    [['--example', 'orders', '--stall-seconds', '5'], '--stall-seconds is for the echo loop, not --example'],
    [['--example', 'orders', '--db-url', 'jdbc:postgresql://h/db'], '--example runs on a fresh database'],
    [['--example', 'orders', '--db', 'mysql'], "--db must be h2 or postgres, got 'mysql'"],
    [['--orders', '5'], '--orders goes with --example'],
    [['--deadline-seconds', '5'], '--deadline-seconds goes with --example'],
    [['--example'], "Option '--example <value>' argument missing"],
    [['--bogus'], "Unknown option '--bogus'"],
    [['extra'], 'Unexpected argument'],
  ] as const) {
    it(`refuses ${args.join(' ')}`, () => {
      expect(() => parseCliArgs([...args], {})).to.throw(message);
    });
  }
});

describe('local run figures', () => {
  it('reads delivery lines of the echo function and nothing else', () => {
    const line =
      '{"severity":"INFO","message":"reply correlated","taskType":"echo","outcome":"completed","roundTripMs":182,"loop":"main","iteration":42}';
    expect(parseDeliveryLine(line)).to.deep.include({
      outcome: 'completed',
      roundTripMs: 182,
      loop: 'main',
      iteration: 42,
    });
    expect(parseDeliveryLine('RedeliveryRequested: redelivery requested: engine answered 503')).to.equal(undefined);
    expect(parseDeliveryLine('{"outcome":"maybe"}')).to.equal(undefined);
    expect(parseDeliveryLine('{"outcome":')).to.equal(undefined);
  });

  it('counts outcomes, round trips of completed replies only, and deliveries per iteration', () => {
    const stats = new DeliveryStats();
    stats.record({ outcome: 'completed', roundTripMs: 100, loop: 'a', iteration: 1 });
    stats.record({ outcome: 'duplicate', roundTripMs: 9000, loop: 'a', iteration: 1 });
    stats.record({ outcome: 'retry', roundTripMs: 8000, loop: 'a', iteration: 2 });
    stats.record({ outcome: 'completed', roundTripMs: 300, loop: 'a', iteration: 2 });
    expect(stats.counts).to.deep.equal({
      completed: 2,
      error: 0,
      failed: 0,
      duplicate: 1,
      retry: 1,
      invalid: 0,
      'unknown-task': 0,
    });
    expect(stats.roundTrips).to.deep.equal([100, 300]);
    expect([...stats.deliveredIterations.get('a')!]).to.deep.equal([
      [1, 1],
      [2, 1],
    ]);
    expect(stats.percentiles(1)).to.include({ count: 1, p50: 300 });
  });

  it('gives nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1
    expect(percentiles(values)).to.deep.equal({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([7])).to.deep.equal({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(percentiles([])).to.deep.equal({ count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('measures a rate over a sliding window', () => {
    const meter = new RateMeter(10_000);
    expect(meter.perSecond).to.equal(0);
    meter.add(0, 0);
    meter.add(5_000, 50);
    expect(meter.perSecond).to.equal(10);
    meter.add(20_000, 50); // the window now holds only the last two points
    expect(meter.perSecond).to.be.closeTo(0, 1e-9);
  });

  it('summarizes a run and calls it healthy only when no loop broke or multiplied and nothing died', async () => {
    const rest = {
      expectOk: async (_m: string, path: string) =>
        path.includes('PushTask&') || path.endsWith('=PushTask')
          ? [{ id: 'e', businessKey: 'loop-1' }]
          : path.includes('EchoLoop')
            ? [{ id: 'l', businessKey: 'loop-1' }]
            : path.startsWith('/variable-instance')
              ? [{ processInstanceId: 'l', value: 11 }]
              : [],
      count: async () => 0,
    } as unknown as CamundaRest;
    const monitor = new LoopMonitor({ rest, stallMs: 60_000 });
    monitor.watch('loop-1', 'l');
    await monitor.sample({ slow: true });
    const deliveries = new DeliveryStats();
    deliveries.record({ outcome: 'completed', roundTripMs: 80 });
    const base = {
      monitor,
      deliveries,
      durationMs: 5_000,
      problems: [],
      stoppedBy: 'duration',
      database: 'h2' as const,
      runFolder: '/r',
    };
    const summary = summarize(base);
    expect(summary).to.deep.include({
      iterations: 10,
      iterationsPerSecond: 2,
      broken: false,
      multiplied: false,
      loops: [{ name: 'loop-1', iterations: 10, maxActiveEcho: 1, minActiveEcho: 1, broken: false, multiplied: false }],
    });
    expect(summary.roundTripMs).to.include({ p50: 80, p95: 80, p99: 80 });
    expect(healthy(summary)).to.equal(true);
    expect(healthy(summarize({ ...base, problems: ['engine exited (1) during the run: see its log'] }))).to.equal(
      false,
    );
    expect(healthy({ ...summary, multiplied: true })).to.equal(false);
    expect(healthy({ ...summary, broken: true })).to.equal(false);
  });

  it('fits the live line in 100 columns', () => {
    const line = progressLine({
      elapsedMs: 3_723_000,
      loops: 10,
      iterations: 123456,
      perSecond: 31.25,
      recent: { count: 9, p50: 181, p95: 400, p99: 1511, max: 2000 },
      duplicates: 12,
      retries: 3,
      incidents: 0,
    });
    expect(line).to.equal(
      '62:03 10 loops | 123456 it, 31.3/s | round trip p50 181 ms p99 1511 ms | dup 12 retry 3 incidents 0',
    );
    expect(line.length).to.be.at.most(100);
  });
});

describe('local example figures', () => {
  it("reads push workers' delivery lines: a task type and an outcome, with whatever else they logged", () => {
    const line = '{"severity":"INFO","outcome":"retry","taskType":"price-order","messageId":"7","orderId":"order-1"}';
    expect(parseWorkerLine(line)).to.deep.include({ outcome: 'retry', taskType: 'price-order', orderId: 'order-1' });
    expect(parseWorkerLine('{"outcome":"retry"}')).to.equal(undefined);
    expect(parseWorkerLine('function-host: priceOrder listening on http://127.0.0.1:1')).to.equal(undefined);
    expect(parseWorkerLine('{"taskType":')).to.equal(undefined);
  });

  it('counts outcomes per task type, and as redeliveries a message id seen again or an attempt above 1', () => {
    const counts = countLines([
      { taskType: 'price-order', outcome: 'retry', messageId: '1' },
      { taskType: 'price-order', outcome: 'completed', messageId: '1' },
      { taskType: 'reserve-stock', outcome: 'completed', messageId: '1' },
      { taskType: 'reserve-stock', outcome: 'error', messageId: '2', deliveryAttempt: 3 },
    ]);
    expect(counts).to.deep.equal({
      outcomes: { 'price-order': { retry: 1, completed: 1 }, 'reserve-stock': { completed: 1, error: 1 } },
      redeliveries: 2,
      retries: 1,
    });
  });

  it('orders the same mix at every run: four items in turn, quantities 1 to 3 in turn', () => {
    expect(orderMix(5)).to.deep.equal([
      { orderId: 'order-1', item: 'espresso-beans', quantity: 1 },
      { orderId: 'order-2', item: 'milk-frother', quantity: 2 },
      { orderId: 'order-3', item: 'grinder', quantity: 3 },
      { orderId: 'order-4', item: 'tamper', quantity: 1 },
      { orderId: 'order-5', item: 'espresso-beans', quantity: 2 },
    ]);
  });

  it('calls an orders run healthy only when every order ended at one of its end events without incident', () => {
    const summary: OrdersSummary = {
      orders: 3,
      ended: 3,
      confirmed: 2,
      backOrdered: 1,
      incidents: 0,
      incidentMessages: [],
      deadLettered: 0,
      workers: { outcomes: { 'price-order': { retry: 3, completed: 3 } }, redeliveries: 3, retries: 3 },
      durationMs: 12_345,
      problems: [],
    };
    expect(ordersHealthy(summary)).to.equal(true);
    expect(ordersHealthy({ ...summary, ended: 2, confirmed: 1 })).to.equal(false);
    expect(ordersHealthy({ ...summary, incidents: 1 })).to.equal(false);
    expect(
      ordersHealthy({ ...summary, problems: ['price-order worker exited (1) during the run: see its log'] }),
    ).to.equal(false);
    const text = ordersSummaryText(summary, '.local/run/');
    expect(text).to.contain('orders: 3 started, 3 ended in 12.3 s');
    expect(text).to.contain('2 confirmed, 1 back-ordered (OutOfStock caught)');
    expect(text).to.contain('deliveries: price-order 3 retry, 3 completed');
    expect(text).to.contain('redeliveries 3 (retries asked for 3), dead letters 0, incidents 0');
    expect(text).to.contain('verdict: OK');
  });
});
