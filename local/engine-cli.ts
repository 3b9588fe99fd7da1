/**
 * `npm run engine [-- --port 8080]`: the engine alone on H2 (under .local/engine), on 127.0.0.1, until
 * Ctrl-C. For trying the REST API or deploying your own models by hand.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { startEngine } from './engine';

async function main(): Promise<void> {
  let values: { port: string; help?: boolean };
  try {
    values = parseArgs({
      options: { port: { type: 'string', default: '8080' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    console.error(`engine: ${(error as Error).message.split('\n')[0]} (see --help)`);
    process.exit(2);
  }
  if (values.help) {
    console.log('usage: npm run engine [-- --port PORT]   (default 8080; H2 under .local/engine)');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`engine: --port ${values.port} is not a port number from 1 to 65535`);
    process.exit(2);
  }
  const engine = await startEngine({ dataDir: resolve(__dirname, '..', '.local', 'engine'), port });
  console.log(`engine ready at ${engine.url} (REST API ${engine.restUrl}, log ${engine.logFile}); Ctrl-C stops it`);
  const stop = () => void engine.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`engine: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
