import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { freePort } from '../devkit/loopback';
import { startChild, type Child } from './processes';

/** Where `npm run engine:build` puts the extracted engine jar and its class-data-sharing archive. */
const ENGINE_APP = resolve(__dirname, '..', 'docker', 'camunda', 'target', 'app');
export const ENGINE_JAR = join(ENGINE_APP, 'camunda-engine.jar');

/**
 * JVM options for a local engine, the Dockerfile's: the class-data-sharing archive, C1 only, the serial
 * collector (what the JVM picks by itself on a 1-vCPU Cloud Run instance), and the heap a 1 GiB
 * instance gives it there (60% of its memory).
 */
export const ENGINE_JAVA_OPTIONS = [
  `-XX:SharedArchiveFile=${join(ENGINE_APP, 'engine.jsa')}`,
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-XX:ReservedCodeCacheSize=64m',
  '-Xmx614m',
  '-Xss512k',
  '-XX:+ExitOnOutOfMemoryError',
];

export type EngineDatabase =
  | { type: 'h2'; /** path of the H2 file, without extension */ file: string }
  | { type: 'postgres'; url: string; user: string; password: string };

export interface EngineOptions {
  /** Where the engine's database and log go: an H2 file database is created here unless `database` says otherwise. */
  readonly dataDir: string;
  readonly database?: EngineDatabase;
  /** The port to listen on (127.0.0.1); a free one by default. */
  readonly port?: number;
  /** More engine settings (environment variables, see docker/camunda/README.md). */
  readonly settings?: Readonly<Record<string, string>>;
  /** How long to wait for /ready. */
  readonly readyTimeoutMs?: number;
  readonly javaOptions?: readonly string[];
}

export interface RunningEngine {
  /** Base URL, such as http://127.0.0.1:PORT */
  readonly url: string;
  /** The REST API, url + /engine-rest */
  readonly restUrl: string;
  readonly port: number;
  readonly child: Child;
  readonly logFile: string;
  /** Milliseconds from process start to the first 200 from /ready. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Starts the engine jar on 127.0.0.1 and resolves once /ready answers 200. */
export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  if (!existsSync(ENGINE_JAR)) {
    throw new Error(`engine not built at ${ENGINE_JAR}: run \`npm run engine:build\` first`);
  }
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const database = options.database ?? { type: 'h2', file: join(options.dataDir, 'h2', 'engine') };
  const logFile = join(options.dataDir, 'engine.log');

  const env: Record<string, string> = {
    ...inheritedEnvironment(),
    PORT: String(port),
    BIND_ADDRESS: '127.0.0.1',
    ...databaseSettings(database),
    ...options.settings,
  };
  const started = Date.now();
  const child = startChild('engine', 'java', [...(options.javaOptions ?? ENGINE_JAVA_OPTIONS), '-jar', ENGINE_JAR], {
    cwd: options.dataDir,
    env,
    logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child, options.readyTimeoutMs ?? 90_000);
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  return {
    url,
    restUrl: `${url}/engine-rest`,
    port,
    child,
    logFile,
    startupMs: Date.now() - started,
    stop: () => child.stop(),
  };
}

export function databaseSettings(database: EngineDatabase): Record<string, string> {
  return database.type === 'h2'
    ? { DB_TYPE: 'h2', H2_FILE: database.file }
    : { DB_TYPE: 'postgres', DB_URL: database.url, DB_USER: database.user, DB_PASSWORD: database.password };
}

/** Polls /ready; fails fast with the engine's own last words if it exits first. */
export async function waitUntilReady(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void child.exited.then((code) => (exit = code));
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(`engine exited (${exit}) before it was ready:\n${child.tail(5)}`);
    }
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`engine at ${url} not ready after ${timeoutMs} ms:\n${child.tail(5)}`);
}

/** The parent's environment minus engine settings, so that a stray DB_URL in a shell cannot leak in. */
function inheritedEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'JAVA_HOME', 'LANG', 'TZ', 'TMPDIR'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
}
