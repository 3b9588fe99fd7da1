/**
 * The echo function (echo-function/src, a push worker of task type echo) in the Functions Framework,
 * as a child process on 127.0.0.1: the TypeScript sources run through tsx (the worker library from
 * worker/src through the root tsconfig's paths), so nothing needs building first and a local run always
 * has the function as it is on disk. Its JSON log lines are handed to listeners as they arrive.
 */
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

import { parseDeliveryLine, type DeliveryLine } from './deliveries';
import { freePort } from '../devkit/loopback';
import { startChild, type Child } from './processes';

const ROOT = resolve(__dirname, '..');
export const ECHO_FUNCTION_SOURCE = join(ROOT, 'echo-function', 'src', 'index.ts');
const FUNCTION_HOST = join(__dirname, 'function-host.ts');

export interface EchoFunctionOptions {
  /** The engine's base URL (the function appends /engine-rest/message). */
  readonly engineUrl: string;
  readonly logFile: string;
  readonly port?: number;
  /**
   * More of the function's settings (ENGINE_TIMEOUT_MS, MAX_DELIVERY_ATTEMPTS, ...). FUNCTION_SOURCE and
   * FUNCTION_TARGET here run another push worker the same way (an example's, say).
   */
  readonly settings?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
  /**
   * Gets every delivery line from the process's first one on. A listener added through the result's
   * onDelivery comes too late for a push that arrives while the start still polls for the port (a
   * push held during a restart is released the moment the port opens).
   */
  readonly onDelivery?: (line: DeliveryLine) => void;
}

export interface RunningEchoFunction {
  /** Base URL, such as http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly child: Child;
  readonly logFile: string;
  /**
   * The push endpoint for a topic: the framework turns a raw Pub/Sub push body into a CloudEvent
   * and takes the event's source from this path.
   */
  pushEndpoint(topicPath: string): string;
  /** Calls `listener` with every delivery line from now on; returns a function that unsubscribes. */
  onDelivery(listener: (line: DeliveryLine) => void): () => void;
  stop(): Promise<void>;
}

export async function startEchoFunction(options: EchoFunctionOptions): Promise<RunningEchoFunction> {
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    FUNCTION_SOURCE: ECHO_FUNCTION_SOURCE,
    FUNCTION_TARGET: 'echo',
    PORT: String(port),
    ENGINE_URL: options.engineUrl,
    ENGINE_AUTH: 'none', // the local engine runs with REST_AUTH=none, and there is no Google to sign tokens
    ...options.settings,
  };
  // process.execPath: the same Node.js as this process (24 under `npm run local`), not whatever
  // `node` is first on PATH. The cwd lets `--import tsx` resolve from this repository.
  const child = startChild('echo-function', process.execPath, ['--import', 'tsx', FUNCTION_HOST], {
    cwd: ROOT,
    env,
    logFile: options.logFile,
  });

  const listeners = new Set<(line: DeliveryLine) => void>(options.onDelivery ? [options.onDelivery] : []);
  let partial = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      const line = parseDeliveryLine(text.trim());
      if (line) for (const listener of listeners) listener(line);
    }
  });

  try {
    await waitForPort(port, child, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    child,
    logFile: options.logFile,
    pushEndpoint: (topicPath) => `${url}/${topicPath}`,
    onDelivery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => child.stop(5_000),
  };
}

/**
 * Waits until the port accepts a TCP connection. Not an HTTP request: any request to a CloudEvent
 * function is a delivery, and would be logged as an invalid message.
 */
async function waitForPort(port: number, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void child.exited.then((code) => (exit = code));
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(`echo function exited (${exit}) before it listened:\n${child.tail(5)}`);
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`echo function did not listen on port ${port} within ${timeoutMs} ms:\n${child.tail(5)}`);
}
