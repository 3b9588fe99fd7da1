/**
 * Options of `npm run bench`, parsed into a plain object, with one clear message per mistake (the CLI
 * prints it and exits 2), so a typo never turns into a silent default.
 */
import { parseOptions, UsageError } from '../devkit/cli';

/** History levels the benchmark runs the engine at: none as deployed, activity for the history's time line. */
export const HISTORY_LEVELS = ['none', 'activity'] as const;
export type HistoryLevel = (typeof HISTORY_LEVELS)[number];

/** The ways of doing one echo round trip that the benchmark compares on one engine. */
export const PATTERNS = ['push', 'push-relay', 'pull-default', 'pull-long'] as const;
export type Pattern = (typeof PATTERNS)[number];

export interface BenchOptions {
  /** Concurrent loops of each step, in order. */
  readonly loops: readonly number[];
  readonly patterns: readonly Pattern[];
  /** Measured seconds per step (after the warm-up). */
  readonly durationSeconds: number;
  /** Seconds each step runs before measuring, so start-up of its loops is not counted. */
  readonly warmupSeconds: number;
  /** Seconds each pattern runs at 10 loops, unmeasured, before the first step: no step meets a JVM still compiling. */
  readonly jitWarmupSeconds: number;
  /** Seconds of the idle window per pattern in which requests to the engine are counted (0: skip). */
  readonly idleSeconds: number;
  /** Print one JSON object on the last line. */
  readonly json: boolean;
  /** Engine settings over the benchmark's (--set KEY=VALUE, repeatable), to try a tuning. */
  readonly engineSettings: Readonly<Record<string, string>>;
  /** The engine's HISTORY_LEVEL: none (deployed), or activity for the history's time line of a push round trip. */
  readonly history: HistoryLevel;
  /** The push relay's bound on POSTs out at once. */
  readonly relayConcurrency: number;
  /** Write the HTML report (latency distributions, throughput) to this file. */
  readonly reportFile?: string;
  /** Engines on the one database behind the front, as Cloud Run instances: the replies round-robin over them. */
  readonly engines: number;
}

/** The most engines a run starts side by side (each a JVM of about 400 MiB). */
export const MAX_ENGINES = 4;

export const USAGE = `usage: npm run bench -- [--loops 1,10,50] [--patterns ${PATTERNS.join(',')}]
                        [--duration 20] [--warmup 3] [--jit-warmup 20] [--idle 20] [--json] [--set KEY=VALUE ...]
                        [--history none|activity] [--relay-concurrency 64] [--report <file.html>]
                        [--engines 1]`;

/** A mistake in the options: the CLI prints it with the usage and exits 2. */
export class OptionError extends UsageError {}

const OPTIONS = {
  loops: { type: 'string', default: '1,10,50' },
  patterns: { type: 'string', default: PATTERNS.join(',') },
  duration: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '3' },
  'jit-warmup': { type: 'string', default: '20' },
  idle: { type: 'string', default: '20' },
  json: { type: 'boolean', default: false },
  set: { type: 'string', multiple: true, default: [] as string[] },
  history: { type: 'string', default: 'none' },
  'relay-concurrency': { type: 'string', default: '64' },
  report: { type: 'string' },
  engines: { type: 'string', default: '1' },
} as const;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const values = parseOptions(argv, OPTIONS, (message) => new OptionError(message));
  const loops = list(values.loops, '--loops').map((item) => positiveInteger(item, '--loops'));
  const patterns = list(values.patterns, '--patterns').map((item) => {
    if (!(PATTERNS as readonly string[]).includes(item)) {
      throw new OptionError(`--patterns: unknown pattern '${item}' (known: ${PATTERNS.join(', ')})`);
    }
    return item as Pattern;
  });
  return {
    loops,
    patterns: [...new Set(patterns)],
    durationSeconds: seconds(values.duration, '--duration', 1),
    warmupSeconds: seconds(values.warmup, '--warmup', 0),
    jitWarmupSeconds: seconds(values['jit-warmup'], '--jit-warmup', 0),
    idleSeconds: seconds(values.idle, '--idle', 0),
    json: values.json,
    engineSettings: engineSettings(values.set),
    history: historyLevel(values.history),
    relayConcurrency: positiveInteger(values['relay-concurrency'], '--relay-concurrency'),
    ...(values.report !== undefined ? { reportFile: reportFile(values.report) } : {}),
    engines: engineCount(values.engines),
  };
}

function engineCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_ENGINES || text.trim() === '') {
    throw new OptionError(`--engines: expected a whole number from 1 to ${MAX_ENGINES}, got '${text}'`);
  }
  return value;
}

function historyLevel(text: string): HistoryLevel {
  if (!(HISTORY_LEVELS as readonly string[]).includes(text)) {
    throw new OptionError(`--history: expected ${HISTORY_LEVELS.join(' or ')}, got '${text}'`);
  }
  return text as HistoryLevel;
}

function reportFile(text: string): string {
  if (!/\.html?$/i.test(text.trim()))
    throw new OptionError(`--report: expected a file name ending in .html, got '${text}'`);
  return text.trim();
}

function engineSettings(items: readonly string[]): Record<string, string> {
  const settings = Object.fromEntries(items.map(setting));
  if ('HISTORY_LEVEL' in settings) {
    throw new OptionError(
      `--set HISTORY_LEVEL=${settings.HISTORY_LEVEL}: use --history none|activity (none is the deployed default)`,
    );
  }
  return settings;
}

function list(text: string, option: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === ''))
    throw new OptionError(`${option}: expected a comma-separated list, got '${text}'`);
  return items;
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 500) {
    throw new OptionError(`${option}: expected whole numbers from 1 to 500, got '${text}'`);
  }
  return value;
}

function seconds(text: string, option: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < minimum || value > 3600 || text.trim() === '') {
    throw new OptionError(`${option}: expected seconds from ${minimum} to 3600, got '${text}'`);
  }
  return value;
}

function setting(text: string): [string, string] {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(text);
  if (!match)
    throw new OptionError(
      `--set: expected KEY=VALUE with an engine setting such as JOB_CORE_POOL_SIZE=10, got '${text}'`,
    );
  return [match[1], match[2]];
}
