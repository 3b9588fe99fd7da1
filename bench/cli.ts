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
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { breakdownTable, formatTable, idleTable, stepsTable } from './results';
import { BENCH_FOLDER, runBench, type BenchReport } from './run';

export function formatReport(report: BenchReport): string {
  const cold = report.coldStart;
  const timing = report.pushTiming;
  return [
    `echo round trips, ${report.options.durationSeconds} s per step after ${report.options.warmupSeconds} s warm-up (PostgreSQL, ${report.machine.cpus} CPUs, load at start ${report.machine.loadAverageAtStart.join(' ')})`,
    stepsTable(report.steps),
    `engine settings: ${Object.entries(report.engineSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    '',
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
    '',
    breakdownTable(report.breakdown),
    `function's view at 1 loop (medians): publish -> reply correlated ${timing.publishToCorrelatedMs ?? '-'} ms, of which the correlation call ${timing.correlationCallMs ?? '-'} ms`,
  ].join('\n');
}

async function run(options: BenchOptions): Promise<number> {
  const report = await runBench(options, (message) => console.error(`bench: ${message}`));
  mkdirSync(BENCH_FOLDER, { recursive: true });
  const file = join(BENCH_FOLDER, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
  console.log(`saved: ${file}`);
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
