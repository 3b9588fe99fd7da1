/**
 * `npm run engine [-- --port 8080]`: the engine alone on H2 (under .local/engine), on 127.0.0.1, until
 * Ctrl-C. For trying the REST API or deploying your own models by hand.
 */
import { resolve } from 'node:path';

import { parseOptions, runCli, UsageError } from '../devkit/cli';
import { startEngine } from './engine';

const HELP = 'usage: npm run engine [-- --port PORT]   (default 8080; H2 under .local/engine)';

function parse(argv: string[]): number | 'help' {
  const values = parseOptions(argv, {
    port: { type: 'string', default: '8080' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--port ${values.port} is not a port number from 1 to 65535`);
  }
  return port;
}

/** Runs until Ctrl-C; the exit comes from the signal handler. */
async function run(port: number): Promise<number> {
  const engine = await startEngine({ dataDir: resolve(__dirname, '..', '.local', 'engine'), port });
  console.log(`engine ready at ${engine.url} (REST API ${engine.restUrl}, log ${engine.logFile}); Ctrl-C stops it`);
  const stop = () => void engine.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => undefined);
}

void runCli({ name: 'engine', help: HELP, parse, run, messageOnly: true });
