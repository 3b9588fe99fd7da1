/**
 * `npm run chaos`: the echo loop on the local stack (PostgreSQL), with faults injected on a seeded
 * schedule, checked by accounting (see run.ts). Run with --help. The command-line handling is the
 * dev kit's (devkit/cli.ts).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import {
  firstLine,
  parseOptions,
  positiveSeconds as seconds,
  printReport,
  runCli,
  UsageError,
  wholeNumber as whole,
} from '../devkit/cli';
import { chaosHtmlReport } from './html-report';
import { describeFault, runChaos, type ChaosOptions, type ChaosReport } from './run';
import { FAULT_CLASSES, FAULT_DESCRIPTIONS, freshSeed, type FaultClass } from './schedule';
import { Timeline } from './timeline';

export const DEFAULT_CHAOS_FOLDER = resolve(__dirname, '..', '.local', 'chaos');

const HELP = `Usage: npm run chaos -- [options]

Runs echo loops on the local stack (Pub/Sub emulator, engine on a throwaway PostgreSQL, echo
function) with fault proxies between the parts, and injects faults on a randomized schedule until
the loops completed --iterations together and every fault class was injected --min-faults times.
Then the faults stop, every loop must turn again, the loops are stopped and every published message
must be accounted for. The seed is printed: --seed replays the same schedule.

Options:
  --loops N               echo loops side by side (default 4)
  --iterations N          iterations of all loops together before the faults stop (default 5000)
  --min-faults N          injections of every fault class before the faults stop (default 20)
  --duration SECONDS      stop injecting after this long whatever the counts (default 5400);
                          the run fails if a count then falls short
  --faults LIST           comma-separated fault classes (default: all of them, see below)
  --seed N                the schedule's seed (default: a random one, printed)
  --recovery-seconds S    longest a loop may take to turn again after a fault (default 90)
  --engine-kill-seconds S longest a loop may take to turn again after an engine kill, a second engine
                          leaving, a rolling redeploy, or from a scale-to-zero's wake (default 60)
  --json                  print the report as one JSON object on the last line of stdout
  --report FILE.html      also write the report as a self-contained HTML page with charts (at the
                          end of the run, passed or failed)
  --run-folder DIR        state and logs (default .local/chaos, wiped at every start)
  -h, --help              this text

Fault classes:
${FAULT_CLASSES.map((c) => `  ${c.padEnd(21)} ${FAULT_DESCRIPTIONS[c]}`).join('\n')}

Exit code: 0 when nothing was violated; 1 when a loop broke, stalled or multiplied, a message was
lost or accepted twice, an incident stayed open, or a fault class fell short of --min-faults;
2 for bad options; 3 when the stack could not start.`;

export interface ChaosCliOptions extends Omit<ChaosOptions, 'onStatus' | 'onProgress' | 'interrupted' | 'timeline'> {
  readonly json: boolean;
  /** Where to write the HTML report (an absolute path), if anywhere. */
  readonly reportFile?: string;
}

export { UsageError };

const OPTIONS = {
  loops: { type: 'string' },
  iterations: { type: 'string' },
  'min-faults': { type: 'string' },
  duration: { type: 'string' },
  faults: { type: 'string' },
  seed: { type: 'string' },
  'recovery-seconds': { type: 'string' },
  'engine-kill-seconds': { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  'run-folder': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseChaosArgs(argv: string[]): ChaosCliOptions | 'help' {
  const parsed = parseOptions(argv, OPTIONS);
  if (parsed.help) return 'help';
  return {
    loops: whole('--loops', parsed.loops ?? '4', 1, 50),
    iterations: whole('--iterations', parsed.iterations ?? '5000', 0, 10_000_000),
    minFaultsPerClass: whole('--min-faults', parsed['min-faults'] ?? '20', 0, 100_000),
    maxDurationMs: seconds('--duration', parsed.duration ?? '5400') * 1000,
    classes: faultClasses(parsed.faults),
    seed: parsed.seed === undefined ? freshSeed() : whole('--seed', parsed.seed, 0, 2 ** 32 - 1),
    recoveryBoundMs: seconds('--recovery-seconds', parsed['recovery-seconds'] ?? '90') * 1000,
    engineKillBoundMs: seconds('--engine-kill-seconds', parsed['engine-kill-seconds'] ?? '60') * 1000,
    json: parsed.json ?? false,
    runFolder: parsed['run-folder'] ?? DEFAULT_CHAOS_FOLDER,
    ...(parsed.report !== undefined ? { reportFile: reportFile(parsed.report) } : {}),
  };
}

/** The HTML report's path: checked now, so that a long run does not end with nowhere to write it. */
function reportFile(raw: string): string {
  if (!/\.html?$/i.test(raw.trim()))
    throw new UsageError(`--report must name an .html file (e.g. --report chaos-report.html), not '${raw}'`);
  const file = resolve(raw.trim());
  const folder = dirname(file);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`--report: the folder ${folder} does not exist; create it or name a file in another one`);
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UsageError(`--report: ${file} is a folder; name a file (e.g. ${file}/chaos-report.html)`);
  return file;
}

function faultClasses(raw: string | undefined): FaultClass[] {
  if (raw === undefined) return [...FAULT_CLASSES];
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(FAULT_CLASSES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new UsageError(`--faults: unknown fault class '${unknown[0]}' (known: ${FAULT_CLASSES.join(', ')})`);
  if (names.length === 0) throw new UsageError('--faults needs at least one fault class');
  return [...new Set(names)] as FaultClass[];
}

/** The report as text: the figures the issue asks for, then every violation with the faults that led to it. */
export function reportText(report: ChaosReport): string {
  const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    `chaos: ${report.ok ? 'PASSED' : 'FAILED'} (seed ${report.seed}, ${report.loops} loops, stopped by ${report.stoppedBy})`,
    `  iterations          ${report.iterations} (${Object.entries(report.iterationsPerLoop)
      .map(([loop, n]) => `${loop} ${n}`)
      .join(', ')})`,
    `  wall time           ${report.wallSeconds} s (faults for ${report.faultPhaseSeconds} s)`,
    `  duplicates absorbed ${report.duplicatesAbsorbed}`,
    `  retries             ${report.retries.function} by Pub/Sub redelivery, ${report.retries.engineJobs} failed engine jobs seen`,
    `  replies raced ahead ${report.repliesRacedAhead}`,
    `  messages            ${report.messages.published} published: ${report.messages.deliveredOnce} delivered once, ${report.messages.absorbedAsDuplicate} absorbed as duplicates, ${report.messages.deadLettered} dead-lettered, ${report.messages.droppedByFault} dropped by request-lost faults, ${report.messages.droppedByBroker} dropped by the emulator after a nack (their iterations completed anyway), ${report.messages.unsettled} unsettled (${report.messages.answerLost} with the publish answer lost, ${report.messages.strandedInEmulator} taken from the emulator at the end, which had stopped redelivering them)`,
    `  seen only in history ${report.acceptedSeenOnlyInHistory.length} accepted replies a crash hid from both observers${report.acceptedSeenOnlyInHistory.length ? ` (${report.acceptedSeenOnlyInHistory.join(', ')})` : ''}`,
    `  PushTask per loop   ${report.minActiveEcho} to ${report.maxActiveEcho} per sample`,
    `  incidents at end    ${report.incidents}`,
    `  database growth     ${report.database.bytesPer1000Iterations === null ? '-' : `${Math.round(report.database.bytesPer1000Iterations / 1024)} KiB per 1,000 iterations`} (${Math.round(report.database.bytesBefore / 1024)} KiB -> ${Math.round(report.database.bytesAfter / 1024)} KiB)`,
    ...(report.database.growthByTable
      ? [
          `  growth by table     ${Object.entries(report.database.growthByTable)
            .map(([table, bytes]) => `${table} ${Math.round(bytes / 1024)} KiB`)
            .join(', ')}`,
        ]
      : []),
    '  faults by class     injected  worst recovery',
    ...Object.entries(report.faultsByClass).map(
      ([faultClass, count]) =>
        `    ${faultClass.padEnd(21)} ${String(count).padStart(5)}  ${seconds(report.worstRecoveryMsByClass[faultClass] ?? null)}`,
    ),
  ];
  for (const dead of report.deadLetters) lines.push(`  dead letter ${dead.messageId}: ${dead.reason}`);
  for (const violation of report.violations) {
    lines.push(
      `  VIOLATION ${violation.what}${violation.loop ? ` ${violation.loop}` : ''}${violation.iteration !== undefined ? ` iteration ${violation.iteration}` : ''}${violation.messageId ? ` message ${violation.messageId}` : ''}: ${violation.detail}`,
    );
    for (const fault of violation.faultsBefore) lines.push(`      after ${fault}`);
  }
  if (!report.ok) lines.push(`  replay: npm run chaos -- --seed ${report.seed} (logs: ${report.runFolder})`);
  return lines.join('\n');
}

/** Runs the chaos run; 0 when nothing was violated, 1 when something was, 3 when it could not run. */
async function run(options: ChaosCliOptions): Promise<number> {
  const say = (text: string) => process.stderr.write(`chaos: ${text}\n`);
  say(`seed ${options.seed} (replay with --seed ${options.seed})`);
  let interrupt: (signal: string) => void = () => undefined;
  const interrupted = new Promise<string>((resolve) => (interrupt = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      say(`${signal}: stopping the faults and checking the books (again to quit at once)`);
      interrupt(signal);
      process.once(signal, () => process.exit(130));
    });
  }

  let lastProgress = 0;
  let report: ChaosReport;
  const timeline = new Timeline();
  try {
    report = await runChaos({
      ...options,
      timeline,
      onStatus: say,
      interrupted,
      onProgress: (progress) => {
        if (Date.now() - lastProgress < 10_000) return;
        lastProgress = Date.now();
        say(
          `${Math.round(progress.elapsedMs / 1000)} s: ${progress.iterations} iterations, ${progress.faults} faults, ${progress.violations} violations`,
        );
      },
    });
  } catch (error) {
    say(`could not run: ${firstLine(error)}`);
    return 3;
  }
  printReport(reportText(report), options.json ? { ...report, faults: report.faults.map(describeFault) } : undefined);
  if (options.reportFile !== undefined) writeHtmlReport(options.reportFile, report, timeline, say);
  return report.ok ? 0 : 1;
}

/** Writes the HTML report and says where; a failure to write is said too, and does not change the exit code. */
function writeHtmlReport(file: string, report: ChaosReport, timeline: Timeline, say: (text: string) => void): void {
  try {
    writeFileSync(file, chaosHtmlReport(report, timeline.data()));
    say(`HTML report written to ${file}`);
  } catch (error) {
    say(`could not write the HTML report to ${file}: ${firstLine(error)}`);
  }
}

if (require.main === module) void runCli({ name: 'chaos', help: HELP, parse: parseChaosArgs, run });
