/**
 * A short real run of the benchmark: one loop of each pattern for a few seconds on PostgreSQL. It
 * proves the pieces fit together (stack, pull processes, worker, history queries, proxy), not speed.
 */
import { join } from 'node:path';

import { expect } from 'chai';

import { formatReport } from '../../bench/cli';
import { parseBenchOptions } from '../../bench/options';
import { BENCH_FOLDER, runBench, type BenchReport } from '../../bench/run';

describe('bench smoke run', function () {
  this.timeout(180_000);
  let report: BenchReport;

  before(async () => {
    // Under the repository, not in a private temporary folder: the PostgreSQL server user must reach it.
    const options = parseBenchOptions([
      '--loops',
      '1',
      '--duration',
      '3',
      '--warmup',
      '1',
      '--jit-warmup',
      '1',
      '--idle',
      '2',
    ]);
    report = await runBench(options, () => undefined, join(BENCH_FOLDER, 'smoke-run'));
  });

  it('completes round trips by push, by the push relay, by pull and by long-polling pull, at HISTORY_LEVEL none', () => {
    expect(report.engineSettings.HISTORY_LEVEL).to.equal('none');
    expect(report.engineIdleCpuMsPerSecond, 'the engine at rest, after the JIT warm-up').to.be.at.least(0);
    expect(report.steps.map((step) => step.pattern)).to.deep.equal(['push', 'push-relay', 'pull-default', 'pull-long']);
    for (const step of report.steps) {
      expect(step.roundTrips, step.pattern).to.be.greaterThan(0);
      expect(step.p50Ms, step.pattern).to.be.a('number');
      expect(step.engineCpuSeconds, step.pattern).to.be.at.least(0);
      expect(step.engineCpuMsPerRoundTripAboveIdle, step.pattern).to.be.a('number');
      // Counted by PostgreSQL: every round trip commits at least the reply's (or the complete's) transaction.
      expect(step.statementsPerRoundTrip, step.pattern).to.be.greaterThan(1);
      expect(step.commitsPerRoundTrip, step.pattern).to.be.at.least(1);
      expect(step.enginePeakRssMiB, step.pattern).to.be.greaterThan(0);
      // CPU by process, read from /proc: the engine's and the database's own work, within the machine's.
      const byProcess = step.cpuMsPerRoundTripByProcess!;
      expect(byProcess.engine, step.pattern).to.be.greaterThan(0);
      expect(byProcess.postgres, step.pattern).to.be.greaterThan(0);
      expect(byProcess.machine, step.pattern).to.be.at.least(byProcess.engine!);
    }
    expect(formatReport(report)).to.match(/CPU ms per round trip\s+loops\s+engine\s+postgres/);
  });

  it('sees no idle requests from push, and polling from the default pull worker', () => {
    const idle = Object.fromEntries(report.idle.map((i) => [i.pattern, i.requests]));
    expect(idle.push).to.equal(0);
    expect(idle['pull-default']).to.be.greaterThan(0);
  });

  it('measures the cold start, the relay hop, and the steps of a round trip from the log lines', () => {
    expect(report.coldStart.firstRoundTripMs).to.be.greaterThan(report.coldStart.engineReadyMs);
    expect(report.relayHopP50Ms).to.be.a('number');
    expect(report.relay?.acked).to.be.greaterThan(0);
    const [push, relay, pullDefault] = report.steps;
    for (const step of [push!, relay!]) {
      expect(step.parts.replyCallMs, step.pattern).to.be.a('number');
      expect(step.publishToStoredP50Ms, step.pattern).to.be.a('number');
    }
    expect(pullDefault!.parts.completeCallMs).to.be.a('number');
    expect(report.breakdown).to.deep.equal([]); // no history at level none
    expect(formatReport(report)).to.match(/pull-long, 1 loop\(s\): the median round trip/);
  });
});

describe('bench smoke run with two engines on one database', function () {
  this.timeout(180_000);

  it("shares the replies between both engines behind the front, and counts both engines' CPU", async () => {
    const options = parseBenchOptions([
      '--engines',
      '2',
      '--patterns',
      'push',
      '--loops',
      '4',
      '--duration',
      '3',
      '--warmup',
      '1',
      '--idle',
      '0',
    ]);
    const report = await runBench(options, () => undefined, join(BENCH_FOLDER, 'smoke-run-2'));
    expect(report.engines).to.have.length(2);
    for (const engine of report.engines) expect(engine.requestsAnswered, `engine :${engine.port}`).to.be.greaterThan(0);
    const [push] = report.steps;
    expect(push!.roundTrips).to.be.greaterThan(0);
    expect(formatReport(report))
      .to.match(/2 engine\(s\)/)
      .and.match(/requests each engine answered through the front/);
  });
});
