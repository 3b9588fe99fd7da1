import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './ports';
import { startChild, type Child } from './processes';

/**
 * A throwaway PostgreSQL server of our own: its own data folder, a free port on 127.0.0.1, a password
 * user for the engine. Tests, `npm run local --db postgres` and the chaos run use it, so nothing depends
 * on (or disturbs) a cluster the machine may already run, and a restart is ours to inject.
 */
export interface RunningPostgres {
  readonly port: number;
  /** JDBC URL of the engine's database. */
  readonly jdbcUrl: string;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  /** Runs SQL as the engine's user and returns psql's unaligned output. */
  query(sql: string): string;
  /** Stops the server (fast shutdown: open connections are closed). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

const DATABASE = 'camunda';
const USER = 'camunda';

export async function startPostgres(options: { dataDir?: string; port?: number } = {}): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'camunda-serverless-pg-'));
  const port = options.port ?? (await freePort());
  const password = `local-${Math.random().toString(36).slice(2)}`;

  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o700);
  const clusterDir = join(dataDir, 'cluster');
  rmSync(clusterDir, { recursive: true, force: true });
  const passwordFile = join(dataDir, 'superuser-password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  handOver(dataDir, passwordFile);
  const [initdb, initdbArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    clusterDir,
    '-U',
    USER,
    '--pwfile',
    passwordFile,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  execFileSync(initdb, initdbArgs, { stdio: 'pipe' });
  rmSync(passwordFile, { force: true });

  let server: Child | undefined;
  const start = async () => {
    const [command, args] = asServerUser(join(bin, 'postgres'), [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      clusterDir, // socket in its own folder, not /var/run/postgresql
      '-c',
      'fsync=off', // a throwaway database: durability across machine crashes is not needed
      '-c',
      'max_connections=200',
    ]);
    server = startChild('postgres', command, args, { logFile: join(dataDir, 'postgres.log') });
    await waitForConnections(bin, port, server);
  };
  await start();

  const env = { ...process.env, PGPASSWORD: password };
  execFileSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER, DATABASE], { env });

  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running || running.process.exitCode !== null) return;
    // pg_ctl's fast shutdown, not a signal to the process group: SIGTERM is PostgreSQL's *smart*
    // shutdown, which waits for the engine's pooled connections to close, so the group got SIGKILL
    // after the grace time. A postmaster killed that way leaves postmaster.pid behind, and as root
    // (runuser in between) it can linger as a zombie nobody reaps, so the next start refused to run.
    try {
      const [pgCtl, args] = asServerUser(join(bin, 'pg_ctl'), [
        'stop',
        '-D',
        clusterDir,
        '-m',
        'fast',
        '-w',
        '-t',
        '30',
      ]);
      await promisify(execFile)(pgCtl, args);
    } catch {
      // not running any more, or stuck: the signals below end it
    }
    await running.stop(5_000);
  };
  return {
    port,
    jdbcUrl: `jdbc:postgresql://127.0.0.1:${port}/${DATABASE}`,
    user: USER,
    password,
    dataDir,
    query: (sql) =>
      execFileSync(
        join(bin, 'psql'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', USER, '-d', DATABASE, '-At', '-c', sql],
        {
          env,
          encoding: 'utf8',
        },
      ).trim(),
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The folder with initdb and postgres, from Debian's packages or PATH. */
export function postgresBinDir(): string {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'initdb')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'PostgreSQL server not found: install it (Debian: apt-get install postgresql), or use the H2 default',
    );
  }
}

/** PostgreSQL refuses to run as root: as root, its programs run as the Debian package's `postgres` user. */
function asServerUser(file: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

/** Gives the server user the files it must own (only needed as root). */
function handOver(...paths: string[]): void {
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  for (const path of paths) chownSync(path, uid, gid);
}

async function waitForConnections(bin: string, port: number, server: Child): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.process.exitCode !== null)
      throw new Error(`postgres exited before accepting connections:\n${server.tail(5)}`);
    try {
      execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres on port ${port} did not accept connections within 30 s:\n${server.tail(5)}`);
}
