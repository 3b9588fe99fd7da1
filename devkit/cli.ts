/**
 * What every command-line tool of the project does the same way: options through node's
 * util.parseArgs (strict: an unknown option or a stray argument is a mistake), --help on stdout,
 * a report whose JSON form is the last line of stdout, and exit codes:
 *
 *   0  done, and it went well        1  done, and it did not (or the tool failed)
 *   2  bad usage: one line that says what is wrong (and how to get help, or the usage text)
 *
 * A tool may have more codes of its own (the local stack's 3: could not start). Usage:
 *
 *   if (require.main === module) void runCli({ name: 'local', help: HELP, parse: parseCliArgs, run });
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** A mistake in the command line: the tool prints it and exits 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

export interface Cli<Options> {
  /** The tool's name, the prefix of every message: "local: --loops must be …". */
  readonly name: string;
  /** Printed on stdout for --help (and with `usage` after a mistake). */
  readonly help: string;
  /** Reads the command line: the options, or 'help'; throws a UsageError for a mistake. */
  readonly parse: (argv: string[]) => Options | 'help';
  /** Does the work and returns the exit code. */
  readonly run: (options: Options) => Promise<number>;
  /**
   * What a mistake prints after "<name>: ": the message and "(see --help)" by default, or
   * 'usage': the message, then the usage text on the next lines (`usageGap` blank lines between).
   */
  readonly onMistake?: 'hint' | 'usage';
  readonly usageGap?: number;
  /** On a crash, print only the error's message instead of its stack (default: the stack). */
  readonly messageOnly?: boolean;
}

/** Runs a tool to its end and exits with its code: a stray handle (a kept-alive socket) never keeps it alive. */
export async function runCli<Options>(cli: Cli<Options>, argv: string[] = process.argv.slice(2)): Promise<never> {
  try {
    return process.exit(await runToCode(cli, argv));
  } catch (error) {
    const text = error instanceof Error ? (cli.messageOnly ? error.message : (error.stack ?? error.message)) : error;
    process.stderr.write(`${cli.name}: ${String(text)}\n`);
    return process.exit(1);
  }
}

/** The exit code of a tool, without exiting: parse, --help, run. */
export async function runToCode<Options>(cli: Cli<Options>, argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = cli.parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${cli.name}: ${mistakeText(cli, error.message)}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${cli.help}\n`);
    return 0;
  }
  return cli.run(options);
}

function mistakeText(cli: Pick<Cli<unknown>, 'help' | 'onMistake' | 'usageGap'>, message: string): string {
  if (cli.onMistake !== 'usage') return `${message} (see --help)`;
  return `${message}\n${'\n'.repeat(cli.usageGap ?? 0)}${cli.help}`;
}

/**
 * util.parseArgs in strict mode over `argv`, its mistakes as one-line UsageErrors (or errors of the
 * tool's own class, through `mistake`).
 */
export function parseOptions<const T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: T,
  mistake: (message: string) => Error = (message) => new UsageError(message),
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw mistake(firstLine(error));
  }
}

/** Whether the command line asks for help (-h or --help before any "--"). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Prints a report: as text on stdout, or, with `json`, the text on stderr and the JSON on the last
 * line of stdout, so `| tail -n 1` gives a machine the whole report.
 */
export function printReport(text: string, json?: unknown): void {
  if (json === undefined) {
    process.stdout.write(`${text}\n`);
    return;
  }
  process.stderr.write(`${text}\n`);
  printJsonLine(json);
}

/** One JSON object on one line of stdout. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** A whole number from min to max, or a UsageError naming the flag. */
export function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}

/** A number of seconds above 0, or a UsageError naming the flag. */
export function positiveSeconds(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag} must be a number of seconds above 0, got '${raw}'`);
  return value;
}

/** The first line of an error's message (or of anything thrown). */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
