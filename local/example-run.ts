/**
 * `npm run local -- --example <name>`: starts an example's stack, runs it to its end and prints its
 * summary. Exit code 0 when the run went as the example promises, 1 when not, 3 when the stack could
 * not start (as the echo loop's run).
 */
import { relative } from 'node:path';

import { firstLine, positiveSeconds, printReport, UsageError, wholeNumber } from '../devkit/cli';
import { ordersHealthy, ordersStack, ordersSummaryText, runOrders } from './example-orders';

/** The examples `--example` knows. */
export const EXAMPLES = ['orders'] as const;
export type ExampleName = (typeof EXAMPLES)[number];

export interface ExampleCliOptions {
  readonly example: ExampleName;
  readonly orders: number;
  readonly deadlineMs: number;
  readonly database: 'h2' | 'postgres';
  readonly json: boolean;
  readonly runFolder: string;
}

/** The command line's values, as local/cli.ts parsed them (util.parseArgs). */
export type ExampleFlags = Readonly<Record<string, string | boolean | undefined>> & {
  readonly example?: string;
  readonly db?: string;
  readonly orders?: string;
  readonly 'deadline-seconds'?: string;
  readonly json?: boolean;
  readonly 'run-folder'?: string;
};

/** An example's run: its own options, and of the echo loop's only those that make sense for it. */
export function exampleOptions(parsed: ExampleFlags, defaultRunFolder: string): ExampleCliOptions {
  const example = parsed.example as ExampleName;
  if (!EXAMPLES.includes(example))
    throw new UsageError(`--example must be one of ${EXAMPLES.join(', ')}, got '${parsed.example}'`);
  for (const flag of ['loops', 'duration', 'stall-seconds'] as const) {
    if (parsed[flag] !== undefined) throw new UsageError(`--${flag} is for the echo loop, not --example`);
  }
  for (const flag of ['db-url', 'db-user', 'db-password'] as const) {
    // The example reads its outcomes from history (level audit); a database of yours keeps its own level.
    if (parsed[flag] !== undefined)
      throw new UsageError(`--example runs on a fresh database (--db h2 or postgres): drop --${flag}`);
  }
  const database = parsed.db ?? 'h2';
  if (database !== 'h2' && database !== 'postgres')
    throw new UsageError(`--db must be h2 or postgres, got '${database}'`);
  return {
    example,
    orders: wholeNumber('--orders', parsed.orders ?? '20', 1, 1000),
    deadlineMs: positiveSeconds('--deadline-seconds', parsed['deadline-seconds'] ?? '300') * 1000,
    database,
    json: parsed.json ?? false,
    runFolder: parsed['run-folder'] ?? defaultRunFolder,
  };
}

export async function runExample(options: ExampleCliOptions, say: (text: string) => void): Promise<number> {
  const stack = ordersStack({ runFolder: options.runFolder, database: options.database, onStatus: say });
  try {
    await stack.start();
  } catch (error) {
    say(`could not start: ${firstLine(error)}`);
    say(`logs: ${shortPath(options.runFolder)}/`);
    return 3;
  }
  const postgresLog = options.database === 'postgres' ? ', postgres/postgres.log' : '';
  const logsHint = `${shortPath(stack.runFolder)}/ (engine/engine.log, price-order.log, reserve-stock.log, emulator/emulator.log${postgresLog})`;
  say(`engine ${stack.engine.url}/engine-rest, Pub/Sub emulator ${stack.emulator.url}`);
  try {
    const report = await runOrders(stack, { orders: options.orders, deadlineMs: options.deadlineMs, onStatus: say });
    await stack.stop();
    printReport(ordersSummaryText(report.summary, logsHint), options.json ? report.summary : undefined);
    return ordersHealthy(report.summary) ? 0 : 1;
  } catch (error) {
    say(`the run failed: ${firstLine(error)}`);
    say(`logs: ${logsHint}`);
    return 1;
  } finally {
    await stack.stop();
  }
}

function shortPath(path: string): string {
  const short = relative(process.cwd(), path);
  return short && !short.startsWith('..') ? short : path;
}
