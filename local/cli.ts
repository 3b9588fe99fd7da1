/**
 * `npm run local`: the whole echo loop on this machine (see local/stack.ts), watched live, with a
 * summary at the end and an exit code that says whether the chain held. Run with --help. The
 * command-line handling is the dev kit's (devkit/cli.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';

import { firstLine, parseOptions, positiveSeconds, printReport, runCli, UsageError, wholeNumber } from '../devkit/cli';
import { LiveLine } from '../devkit/live-line';
import { exampleOptions, runExample, type ExampleCliOptions } from './example-run';
import { LoopMonitor } from './loop-monitor';
import { healthy, progressLine, RateMeter, summarize, summaryText, type RunSummary } from './progress';
import { DEFAULT_RUN_FOLDER, startLocalStack, type DatabaseChoice, type LocalStack } from './stack';

const HELP = `Usage: npm run local -- [options]

Runs the echo loop locally: the Pub/Sub emulator, a metadata endpoint, the engine and the echo
function, all on free ports of 127.0.0.1; starts the loops, shows live progress, and prints a
summary when stopped (Ctrl-C) or after --duration.

Options:
  --loops N             echo loops to run side by side (default 1)
  --duration SECONDS    stop after this long (default: run until Ctrl-C)
  --db h2|postgres      the engine's database (default h2); postgres without --db-url starts a
                        throwaway PostgreSQL server in the run folder
  --db-url URL          an existing PostgreSQL database: jdbc:postgresql://HOST:PORT/DB (implies --db postgres)
  --db-user USER        its user (default camunda)
  --db-password PASS    its password (or set DB_PASSWORD)
  --stall-seconds S     a loop with no new iteration for this long is broken (default 30)
  --json                print the summary as one JSON object on the last line of stdout
  --run-folder DIR      state and logs (default .local/run, wiped at every start)
  -h, --help            this text

Examples (instead of the echo loop; see examples/<name>/README.md):
  --example orders      the Orders example: its workers price-order and reserve-stock, N orders,
                        a summary once all have ended (--db h2|postgres, --json, --run-folder apply)
  --orders N            orders to start (default 20)
  --deadline-seconds S  how long to wait for every order to end (default 300)

Exit code: 0 when every loop kept turning with one PushTask at a time (an example: when every order
ended as expected, without incident); 1 when a loop broke (no progress within --stall-seconds) or
multiplied (more than one active PushTask), or a process of the stack died; 2 for bad options; 3 when
the stack could not start.`;

interface CliOptions {
  loops: number;
  durationMs?: number;
  database: DatabaseChoice;
  stallMs: number;
  json: boolean;
  runFolder: string;
}

const OPTIONS = {
  loops: { type: 'string' },
  duration: { type: 'string' },
  db: { type: 'string' },
  'db-url': { type: 'string' },
  'db-user': { type: 'string' },
  'db-password': { type: 'string' },
  'stall-seconds': { type: 'string' },
  json: { type: 'boolean' },
  'run-folder': { type: 'string' },
  example: { type: 'string' },
  orders: { type: 'string' },
  'deadline-seconds': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ParsedOptions = ReturnType<typeof parseOptions<typeof OPTIONS>>;

export function parseCliArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): CliOptions | ExampleCliOptions | 'help' {
  const parsed = parseOptions(argv, OPTIONS);
  if (parsed.help) return 'help';
  if (parsed.example !== undefined) return exampleOptions(parsed, DEFAULT_RUN_FOLDER);
  for (const flag of ['orders', 'deadline-seconds'] as const) {
    if (parsed[flag] !== undefined) throw new UsageError(`--${flag} goes with --example`);
  }
  const durationMs = parsed.duration === undefined ? undefined : positiveSeconds('--duration', parsed.duration) * 1000;
  return {
    loops: wholeNumber('--loops', parsed.loops ?? '1', 1, 100),
    ...(durationMs === undefined ? {} : { durationMs }),
    database: databaseOf(parsed, env),
    stallMs: positiveSeconds('--stall-seconds', parsed['stall-seconds'] ?? '30') * 1000,
    json: parsed.json ?? false,
    runFolder: parsed['run-folder'] ?? DEFAULT_RUN_FOLDER,
  };
}

function databaseOf(parsed: ParsedOptions, env: NodeJS.ProcessEnv): DatabaseChoice {
  const db = parsed.db ?? (parsed['db-url'] ? 'postgres' : 'h2');
  if (db !== 'h2' && db !== 'postgres') throw new UsageError(`--db must be h2 or postgres, got '${db}'`);
  const url = parsed['db-url'];
  if (url === undefined) {
    if (parsed['db-user'] !== undefined || parsed['db-password'] !== undefined)
      throw new UsageError('--db-user and --db-password go with --db-url');
    return db === 'h2' ? { type: 'h2' } : { type: 'postgres' };
  }
  if (db !== 'postgres') throw new UsageError('--db-url needs --db postgres');
  if (!/^jdbc:postgresql:\/\/[^/]+\/\S+$/.test(url))
    throw new UsageError(`--db-url must look like jdbc:postgresql://HOST:PORT/DATABASE, got '${url}'`);
  const password = parsed['db-password'] ?? env.DB_PASSWORD;
  if (!password) throw new UsageError('--db-url needs --db-password (or DB_PASSWORD)');
  return { type: 'postgres', url, user: parsed['db-user'] ?? 'camunda', password };
}

/**
 * Ctrl-C and friends. Until the loops run, a signal just ends this process (processes.ts then ends
 * every child); once they run, it asks the run to stop, and a second one exits at once.
 */
class StopRequests {
  private onSignal: (reason: string) => void;

  constructor(say: (text: string) => void) {
    this.onSignal = (reason) => {
      say(`interrupted (${reason}) while starting`);
      process.exit(130);
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.onSignal(signal));
  }

  /** From now on a signal resolves the promise with its name; `stop` resolves it with a reason of its own. */
  listen(): { stopped: Promise<string>; stop: (reason: string) => void } {
    let stop: (reason: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
      this.onSignal = (reason) => {
        this.onSignal = () => process.exit(130);
        resolve(reason);
      };
    });
    return { stopped, stop };
  }
}

/** The stack, or undefined when it could not start (said why, and where the logs are). */
async function startStack(options: CliOptions, say: (text: string) => void): Promise<LocalStack | undefined> {
  try {
    return await startLocalStack({ runFolder: options.runFolder, database: options.database, onStatus: say });
  } catch (error) {
    say(`could not start: ${firstLine(error)}`);
    // Only when something started and logged: a missing emulator says all in one line.
    const logged = ['emulator', 'postgres', 'engine', 'function.log'];
    if (existsSync(options.runFolder) && readdirSync(options.runFolder).some((entry) => logged.includes(entry))) {
      say(`logs: ${shortPath(options.runFolder)}/`);
    }
    return undefined;
  }
}

interface Watch {
  readonly stack: LocalStack;
  readonly monitor: LoopMonitor;
  readonly names: readonly string[];
  readonly live: LiveLine;
  readonly say: (text: string) => void;
}

/** Redraws the live line, and says once which loop is in trouble. */
function startTicker(watch: Watch, startedAt: number): NodeJS.Timeout {
  const { stack, monitor, live, say } = watch;
  const rate = new RateMeter();
  const reported = new Set<string>();
  return setInterval(() => {
    const now = Date.now();
    rate.add(now, monitor.iterations);
    for (const loop of monitor.loops.values()) {
      if (loop.problem && !reported.has(loop.name)) {
        reported.add(loop.name);
        say(`${loop.name} ${loop.problem}`);
      }
    }
    const totals = monitor.totalsSoFar;
    live.update(
      progressLine({
        elapsedMs: now - startedAt,
        loops: watch.names.length,
        iterations: monitor.iterations,
        perSecond: rate.perSecond,
        recent: stack.deliveries.percentiles(2_000),
        duplicates: stack.deliveries.counts.duplicate,
        retries: stack.deliveries.counts.retry + totals.failedJobs,
        incidents: totals.incidents,
        ...(reported.size > 0 ? { trouble: `TROUBLE: ${[...reported].join(', ')}` } : {}),
      }),
    );
  }, live.interval);
}

/** Starts the loops and watches them until a signal, --duration or a process of the stack that died. */
async function watchLoops(
  watch: Watch,
  options: CliOptions,
  stops: StopRequests,
): Promise<{ startedAt: number; stoppedBy: string; problems: string[] }> {
  const { stack, monitor, names, say } = watch;
  const problems: string[] = [];
  let startedAt = Date.now();
  let stoppedBy = 'error';
  let stopping = false;
  let ticker: NodeJS.Timeout | undefined;
  try {
    const { stopped, stop } = stops.listen();
    for (const part of [stack.engine.child, stack.echoFunction.child]) {
      void part.exited.then((code) => {
        if (stopping) return; // ended by the stop itself
        problems.push(`${part.name} exited (${code}) during the run: see its log`);
        stop(`${part.name} exited`);
      });
    }
    for (const [name, id] of await stack.startLoops([...names])) monitor.watch(name, id);
    startedAt = Date.now();
    // The duration counts from the loops' start: the first start compiles the models' scripts.
    if (options.durationMs !== undefined) setTimeout(() => stop('duration'), options.durationMs).unref();
    say(
      `${names.length} loop${names.length === 1 ? '' : 's'} started; ${options.durationMs ? `stopping after ${options.durationMs / 1000} s` : 'Ctrl-C stops'}`,
    );
    monitor.start();
    ticker = startTicker(watch, startedAt);
    stoppedBy = await stopped;
  } catch (error) {
    problems.push(firstLine(error));
  } finally {
    stopping = true;
    clearInterval(ticker);
    watch.live.clear();
  }
  return { startedAt, stoppedBy, problems };
}

async function run(options: CliOptions | ExampleCliOptions): Promise<number> {
  const live = new LiveLine();
  const say = (text: string) => live.say(`local: ${text}`);
  const stops = new StopRequests(say);
  // An example runs to its own end; a signal ends it at once (and every child with it).
  if ('example' in options) return runExample(options, say);
  const stack = await startStack(options, say);
  if (!stack) return 3;
  const logsHint = `${shortPath(stack.runFolder)}/ (engine/engine.log, function.log, emulator/emulator.log${stack.logs.postgres ? ', postgres/postgres.log' : ''})`;
  say(
    `engine ${stack.engine.url}/engine-rest, function ${stack.echoFunction.url}, Pub/Sub emulator ${stack.emulator.url}`,
  );
  say(`logs: ${logsHint}`);

  const names = Array.from({ length: options.loops }, (_, i) => `loop-${i + 1}`);
  const monitor = new LoopMonitor({
    rest: stack.rest,
    stallMs: options.stallMs,
    drainDeadLetters: () => stack.drainDeadLetters(),
  });
  const { startedAt, stoppedBy, problems } = await watchLoops({ stack, monitor, names, live, say }, options, stops);

  const durationMs = Date.now() - startedAt;
  await monitor.stop().catch(() => undefined);
  const summary: RunSummary = summarize({
    monitor,
    deliveries: stack.deliveries,
    durationMs,
    problems,
    stoppedBy,
    database: stack.database,
    runFolder: stack.runFolder,
  });
  // Loops in a database of the user's outlive this run: stop them, or the next run finds them stuck.
  if (options.database.type === 'postgres' && 'url' in options.database)
    await stack.stopLoops(names).catch(() => undefined);
  await stack.stop();
  printReport(summaryText(summary, logsHint), options.json ? summary : undefined);
  return healthy(summary) ? 0 : 1;
}

function shortPath(path: string): string {
  const short = relative(process.cwd(), path);
  return short && !short.startsWith('..') ? short : path;
}

if (require.main === module) void runCli({ name: 'local', help: HELP, parse: (argv) => parseCliArgs(argv), run });
