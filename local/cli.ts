/**
 * `npm run local`: the whole echo loop on this machine (see local/stack.ts), watched live, with a
 * summary at the end and an exit code that says whether the chain held. Run with --help.
 */
import { existsSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

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

Exit code: 0 when every loop kept turning with one Echo at a time; 1 when a loop broke (no progress
within --stall-seconds) or multiplied (more than one active Echo), or a process of the stack died;
2 for bad options; 3 when the stack could not start.`;

interface CliOptions {
  loops: number;
  durationMs?: number;
  database: DatabaseChoice;
  stallMs: number;
  json: boolean;
  runFolder: string;
}

class UsageError extends Error {}

export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        loops: { type: 'string' },
        duration: { type: 'string' },
        db: { type: 'string' },
        'db-url': { type: 'string' },
        'db-user': { type: 'string' },
        'db-password': { type: 'string' },
        'stall-seconds': { type: 'string' },
        json: { type: 'boolean' },
        'run-folder': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (parsed.help) return 'help';

  const loops = whole('--loops', parsed.loops ?? '1', 1, 100);
  const durationMs = parsed.duration === undefined ? undefined : positive('--duration', parsed.duration) * 1000;
  const stallMs = positive('--stall-seconds', parsed['stall-seconds'] ?? '30') * 1000;
  const db = parsed.db ?? (parsed['db-url'] ? 'postgres' : 'h2');
  if (db !== 'h2' && db !== 'postgres') throw new UsageError(`--db must be h2 or postgres, got '${db}'`);
  let database: DatabaseChoice = db === 'h2' ? { type: 'h2' } : { type: 'postgres' };
  const url = parsed['db-url'];
  if (url !== undefined) {
    if (db !== 'postgres') throw new UsageError('--db-url needs --db postgres');
    if (!/^jdbc:postgresql:\/\/[^/]+\/\S+$/.test(url))
      throw new UsageError(`--db-url must look like jdbc:postgresql://HOST:PORT/DATABASE, got '${url}'`);
    const password = parsed['db-password'] ?? env.DB_PASSWORD;
    if (!password) throw new UsageError('--db-url needs --db-password (or DB_PASSWORD)');
    database = { type: 'postgres', url, user: parsed['db-user'] ?? 'camunda', password };
  } else if (parsed['db-user'] !== undefined || parsed['db-password'] !== undefined) {
    throw new UsageError('--db-user and --db-password go with --db-url');
  }
  return {
    loops,
    ...(durationMs === undefined ? {} : { durationMs }),
    database,
    stallMs,
    json: parsed.json ?? false,
    runFolder: parsed['run-folder'] ?? DEFAULT_RUN_FOLDER,
  };
}

function whole(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}

function positive(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag} must be a number of seconds above 0, got '${raw}'`);
  return value;
}

/** Writes the live line: in place on a terminal, otherwise a plain line every few seconds. */
class LiveLine {
  private readonly tty = process.stderr.isTTY === true;
  private shown = false;
  private lastPrinted = 0;

  update(text: string): void {
    if (this.tty) {
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r\x1b[2K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
      this.shown = true;
    } else if (Date.now() - this.lastPrinted >= 5_000) {
      process.stderr.write(`${text}\n`);
      this.lastPrinted = Date.now();
    }
  }

  /** Writes a message of its own on a fresh line (and leaves the live line to be redrawn). */
  say(text: string): void {
    this.clear();
    process.stderr.write(`${text}\n`);
  }

  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }

  get interval(): number {
    return this.tty ? 500 : 1_000;
  }
}

async function run(options: CliOptions): Promise<number> {
  const live = new LiveLine();
  const say = (text: string) => live.say(`local: ${text}`);

  // Until the loops run, a signal just ends this process; processes.ts then ends every child.
  let onStop: (reason: string) => void = (reason) => {
    say(`interrupted (${reason}) while starting`);
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onStop(signal));

  let stack: LocalStack;
  try {
    stack = await startLocalStack({ runFolder: options.runFolder, database: options.database, onStatus: say });
  } catch (error) {
    say(`could not start: ${firstLine(error)}`);
    // Only when something started and logged: a missing emulator says all in one line.
    const logged = ['emulator', 'postgres', 'engine', 'function.log'];
    if (existsSync(options.runFolder) && readdirSync(options.runFolder).some((entry) => logged.includes(entry))) {
      say(`logs: ${shortPath(options.runFolder)}/`);
    }
    return 3;
  }
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
  const problems: string[] = [];
  let startedAt = Date.now();
  let stoppedBy = 'error';
  let stopping = false;
  let ticker: NodeJS.Timeout | undefined;
  try {
    let requestStop: (reason: string) => void = () => undefined;
    const stopRequested = new Promise<string>((resolve) => {
      requestStop = resolve;
      onStop = (reason) => {
        // A second signal while stopping: no more waiting.
        onStop = () => process.exit(130);
        resolve(reason);
      };
      for (const part of [stack.engine.child, stack.echoFunction.child]) {
        void part.exited.then((code) => {
          if (stopping) return; // ended by the stop itself
          problems.push(`${part.name} exited (${code}) during the run: see its log`);
          resolve(`${part.name} exited`);
        });
      }
    });

    for (const [name, id] of await stack.startLoops(names)) monitor.watch(name, id);
    startedAt = Date.now();
    // The duration counts from the loops' start: the first start compiles the models' scripts.
    if (options.durationMs !== undefined) setTimeout(() => requestStop('duration'), options.durationMs).unref();
    say(
      `${names.length} loop${names.length === 1 ? '' : 's'} started; ${options.durationMs ? `stopping after ${options.durationMs / 1000} s` : 'Ctrl-C stops'}`,
    );
    monitor.start();

    const rate = new RateMeter();
    const reported = new Set<string>();
    ticker = setInterval(() => {
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
          loops: names.length,
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

    stoppedBy = await stopRequested;
  } catch (error) {
    problems.push(firstLine(error));
  } finally {
    stopping = true;
    clearInterval(ticker);
    live.clear();
  }

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

  const text = summaryText(summary, logsHint);
  if (options.json) {
    process.stderr.write(`${text}\n`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(`${text}\n`);
  }
  return healthy(summary) ? 0 : 1;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

function shortPath(path: string): string {
  const short = relative(process.cwd(), path);
  return short && !short.startsWith('..') ? short : path;
}

async function main(): Promise<void> {
  let options: CliOptions | 'help';
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`local: ${error.message} (see --help)\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  process.exitCode = await run(options);
  // Explicit: a stray handle (a keep-alive socket) must not keep a finished run alive.
  process.exit();
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`local: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
