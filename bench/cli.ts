/**
 * `npm run bench`: the echo round trip by push (Pub/Sub and the echo function) against pull (external
 * tasks and the official worker client), on one PostgreSQL-backed engine in one run. Prints tables;
 * with --json, one JSON object on the last line. Every run is also saved under .local/bench/.
 * See bench/README.md for what is measured and how. The command-line handling is the dev kit's
 * (devkit/cli.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { printJsonLine, runCli, wantsHelp } from '../devkit/cli';
import { benchHtmlReport } from './html-report';
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { processCpuTable } from './process-cpu';
import { breakdownTable, formatTable, idleTable, partsTable, stepsTable, whereTheTimeGoes } from './results';
import { BENCH_FOLDER, runBench, type BenchReport } from './run';

export function formatReport(report: BenchReport): string {
  const cold = report.coldStart;
  const patterns = [...new Set(report.steps.map((step) => step.pattern))];
  const hop = report.relayHop;
  const relay = report.relay;
  return [
    `echo round trips, ${report.options.durationSeconds} s per step after ${report.options.warmupSeconds} s warm-up (PostgreSQL, ${report.options.engines} engine(s), HISTORY_LEVEL=${report.options.history}, ${report.machine.cpus} CPUs, load at start ${report.machine.loadAverageAtStart.join(' ')})`,
    'a round trip: from one reply stored to the next of the same loop (function log lines; pull worker completes)',
    `first every pattern ran ${report.options.jitWarmupSeconds} s at 10 loops, unmeasured (the JIT's warm-up); the engine at rest then used ${report.engineIdleCpuMsPerSecond ?? '-'} ms CPU per second, which "above idle" subtracts`,
    stepsTable(report.steps),
    `engine settings: ${Object.entries(report.engineSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    '',
    processCpuTable(report.steps, report.machine.cpus),
    `${report.machine.cpus} CPUs carry at most: their CPU seconds per second over the machine's CPU per round trip; the engine, PostgreSQL, the emulator, the function and the benchmark share them here`,
    '',
    ...patterns.flatMap((pattern) => [
      partsTable(report.steps, pattern),
      whereTheTimeGoes(report.steps, pattern, { p50Ms: report.relayHopP50Ms }),
      '',
    ]),
    ...(hop
      ? [
          `push relay's own hop (publish to a 204 endpoint, back to back, ${hop.seconds} s): ${hop.count} hops, ${hop.perSecond}/s, p50 ${hop.p50} ms, p95 ${hop.p95} ms, p99 ${hop.p99} ms; the engine and the function add ${report.relayAddedP50Ms ?? '-'} ms p50 at 1 loop (per round trip: the relay's handover to the broker accepting the next publish)`,
        ]
      : []),
    ...(relay
      ? [
          `push relay over the pattern (concurrency ${relay.concurrency}): ${relay.acked} acked, ${relay.nacked} nacked, at most ${relay.mostInFlight} POSTs at once; p50 publish -> relay ${relay.receivedAfterPublishP50Ms ?? '-'} ms, POST to the function ${relay.postP50Ms ?? '-'} ms`,
          '',
        ]
      : []),
    'requests to the engine with no loops running',
    idleTable(report.idle),
    '',
    formatTable(
      ['cold start', 'ms'],
      [
        ['engine process start -> /ready', cold.engineReadyMs],
        ['engine process start -> first push round trip completed', cold.firstRoundTripMs],
      ],
    ),
    ...(report.engines.length > 1
      ? [
          '',
          `requests each engine answered through the front: ${report.engines
            .map((engine) => `:${engine.port} ${engine.requestsAnswered}`)
            .join(', ')}`,
        ]
      : []),
    ...(report.breakdown.length > 0 ? ['', breakdownTable(report.breakdown)] : []),
  ].join('\n');
}

async function run(options: BenchOptions): Promise<number> {
  const report = await runBench(options, (message) => console.error(`bench: ${message}`));
  mkdirSync(BENCH_FOLDER, { recursive: true });
  const file = join(BENCH_FOLDER, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
  console.log(`saved: ${file}`);
  if (options.reportFile) {
    writeFileSync(options.reportFile, benchHtmlReport(report));
    console.log(`report: ${options.reportFile}`);
  }
  if (options.json) printJsonLine(report);
  return 0;
}

if (require.main === module) {
  void runCli({
    name: 'bench',
    help: USAGE,
    parse: (argv) => (wantsHelp(argv) ? 'help' : parseBenchOptions(argv)),
    run,
    onMistake: 'usage',
  });
}
