/**
 * Runs in a child process (`node --import tsx local/function-host.ts`): loads the echo function's
 * entry point as the Functions Framework's loader would, then serves the registered target through
 * the framework's own server on 127.0.0.1.
 *
 * Why not the framework's CLI (build/src/main.js)? It calls `server.listen(port)` without a host, so
 * it listens on every interface; the local stack keeps everything on 127.0.0.1. `getTestServer` is the
 * framework's public way to get that same server (the same middleware: raw Pub/Sub push bodies become
 * CloudEvents, a resolved handler answers 204, a thrown error 500) and to choose where it listens.
 *
 * Environment: FUNCTION_SOURCE (the entry point, TypeScript or JavaScript), FUNCTION_TARGET, PORT, plus
 * the function's own settings (ENGINE_URL, ...). It prints one line, `listening on http://…`, on stderr
 * when ready; stdout is left to the function's JSON log lines.
 */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createRequire } from 'node:module';

const source = process.env.FUNCTION_SOURCE;
const target = process.env.FUNCTION_TARGET ?? 'echo';
const port = Number(process.env.PORT);
if (!source || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('function-host: FUNCTION_SOURCE and PORT are required\n');
  process.exit(2);
}

// Loaded synchronously, as the framework's loader does, through tsx: the entry point validates its
// configuration and registers the target before the server is asked for it.
createRequire(__filename)(source);
const server = getTestServer(target);
server.setTimeout(0); // as the framework's CLI: no socket timeout, the handler's own bound applies
server.listen(port, '127.0.0.1', () => {
  process.stderr.write(`function-host: ${target} listening on http://127.0.0.1:${port}\n`);
});

const close = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
