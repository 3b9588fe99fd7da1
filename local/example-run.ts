/**
 * `npm run local -- --example <name>`: starts an example's stack, runs it to its end and prints its
 * summary. Exit code 0 when the run went as the example promises, 1 when not, 3 when the stack could
 * not start (as the echo loop's run).
 */
import { relative } from 'node:path';

import { firstLine, printReport } from '../devkit/cli';
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

export async function runExample(options: ExampleCliOptions, say: (text: string) => void): Promise<number> {
  const stack = ordersStack({ runFolder: options.runFolder, database: options.database, onStatus: say });
  try {
    await stack.start();
  } catch (error) {
    say(`could not start: ${firstLine(error)}`);
    say(`logs: ${shortPath(options.runFolder)}/`);
    return 3;
  }
  const logsHint = `${shortPath(stack.runFolder)}/ (engine/engine.log, price-order.log, reserve-stock.log, emulator/emulator.log)`;
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
