import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../devkit/loopback';
import { startChild, type Child } from './processes';

/**
 * A throwaway PostgreSQL server of our own: its own cluster, a free port on 127.0.0.1, a password user
 * for the engine. Tests, `npm run local --db postgres` and the chaos run use it, so nothing depends on
 * (or disturbs) a cluster the machine may already run, and a restart is ours to inject.
 *
 * The cluster lives in a fresh folder under the system's temp folder, not in dataDir: as root the
 * server runs as the `postgres` user, who cannot reach a checkout inside a folder only its owner may
 * enter (mode 0700, as `mktemp -d` makes). dataDir keeps the log and a `cluster` link to it.
 */
export interface RunningPostgres {
  readonly port: number;
  /** JDBC URL of the engine's database. */
  readonly jdbcUrl: string;
  readonly user: string;
  readonly password: string;
  /** The folder given (or a fresh one): the server's log and a `cluster` link to clusterDir. */
  readonly dataDir: string;
  /** The cluster, under the system's temp folder where the server user can reach it. */
  readonly clusterDir: string;
  /** The server's log, dataDir/postgres.log. */
  readonly logFile: string;
  /** Runs SQL as the engine's user and returns psql's unaligned output. */
  query(sql: string): string;
  /** Stops the server (fast shutdown: open connections are closed). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its cluster and (unless keepLog) dataDir with the log. */
  destroy(options?: { keepLog?: boolean }): Promise<void>;
}

const DATABASE = 'camunda';
const USER = 'camunda';
/** The start of the name of a cluster's folder under the temp folder: only such folders are ever removed. */
const CLUSTER_HOME_PREFIX = 'camunda-serverless-pg-cluster-';

export async function startPostgres(
  options: { dataDir?: string; port?: number; statementStats?: boolean } = {},
): Promise<RunningPostgres> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'camunda-serverless-pg-'));
  const server = new PostgresServer(postgresBinDir(), dataDir, options.port ?? (await freePort()));
  server.statementStats = options.statementStats === true;
  try {
    server.initialise();
    await server.start();
    server.createDatabase();
    if (options.statementStats) server.query('CREATE EXTENSION pg_stat_statements');
    return server;
  } catch (error) {
    // Nothing left behind: the server stopped, the cluster gone; the log stays for the error.
    await server.destroy({ keepLog: true });
    throw error;
  }
}

/** One cluster and the server on it; startPostgres makes and starts it. */
class PostgresServer implements RunningPostgres {
  /** With pg_stat_statements loaded, at every start (its extension is created with the database). */
  statementStats = false;

  readonly jdbcUrl: string;
  readonly user = USER;
  readonly password = `local-${Math.random().toString(36).slice(2)}`;
  readonly logFile: string;
  /** The folder under the temp folder that holds the cluster; the server processes' working folder. */
  private home: string | undefined;
  private server: Child | undefined;

  constructor(
    private readonly bin: string,
    readonly dataDir: string,
    readonly port: number,
  ) {
    this.jdbcUrl = `jdbc:postgresql://127.0.0.1:${port}/${DATABASE}`;
    this.logFile = join(dataDir, 'postgres.log');
  }

  get clusterDir(): string {
    if (!this.home) throw new Error('the PostgreSQL cluster was not created (or was destroyed)');
    return join(this.home, 'cluster');
  }

  /** Creates the cluster, owned by the server user, with the engine's user as its superuser. */
  initialise(): void {
    mkdirSync(this.dataDir, { recursive: true });
    chmodSync(this.dataDir, 0o700);
    removeClusterOf(this.dataDir); // a cluster an earlier server in this folder left behind
    this.home = mkdtempSync(join(tmpdir(), CLUSTER_HOME_PREFIX));
    const passwordFile = join(this.home, 'superuser-password');
    writeFileSync(passwordFile, `${this.password}\n`, { mode: 0o600 });
    handOver(this.home, passwordFile);
    this.runAsServerUser(
      'initdb',
      ['-D', this.clusterDir, '-U', USER, '--pwfile', passwordFile].concat([
        '-A',
        'scram-sha-256',
        '-E',
        'UTF8',
        '--no-sync',
      ]),
    );
    rmSync(passwordFile, { force: true });
    symlinkSync(this.clusterDir, join(this.dataDir, 'cluster'));
  }

  async start(): Promise<void> {
    const statementStats = this.statementStats;
    const [command, args] = asServerUser(join(this.bin, 'postgres'), [
      '-D',
      this.clusterDir,
      '-p',
      String(this.port),
      '-h',
      '127.0.0.1',
      '-k',
      this.clusterDir, // socket in its own folder, not /var/run/postgresql
      '-c',
      'fsync=off', // a throwaway database: durability across machine crashes is not needed
      '-c',
      'max_connections=200',
      ...(statementStats ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []),
    ]);
    this.server = startChild('postgres', command, args, { logFile: this.logFile, cwd: this.home });
    await waitForConnections(this.bin, this.port, this.server);
  }

  createDatabase(): void {
    execFileSync(join(this.bin, 'createdb'), [...this.connection(), DATABASE], { env: this.clientEnv() });
  }

  query(sql: string): string {
    return execFileSync(join(this.bin, 'psql'), [...this.connection(), '-d', DATABASE, '-At', '-c', sql], {
      env: this.clientEnv(),
      encoding: 'utf8',
    }).trim();
  }

  async stop(): Promise<void> {
    const running = this.server;
    this.server = undefined;
    if (!running || running.process.exitCode !== null) return;
    // pg_ctl's fast shutdown, not a signal to the process group: SIGTERM is PostgreSQL's *smart*
    // shutdown, which waits for the engine's pooled connections to close, so the group got SIGKILL
    // after the grace time. A postmaster killed that way leaves postmaster.pid behind, and as root
    // (runuser in between) it can linger as a zombie nobody reaps, so the next start refused to run.
    try {
      const [pgCtl, args] = asServerUser(
        join(this.bin, 'pg_ctl'),
        ['stop', '-D', this.clusterDir].concat(['-m', 'fast', '-w', '-t', '30']),
      );
      await promisify(execFile)(pgCtl, args, { cwd: this.home });
    } catch {
      // not running any more, or stuck: the signals below end it
    }
    await running.stop(5_000);
  }

  async destroy(options: { keepLog?: boolean } = {}): Promise<void> {
    await this.stop();
    if (this.home) rmSync(this.home, { recursive: true, force: true });
    this.home = undefined;
    if (options.keepLog) rmSync(join(this.dataDir, 'cluster'), { force: true });
    else rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Runs one of PostgreSQL's programs as the server user, from a folder that user can enter. */
  private runAsServerUser(program: string, args: string[]): void {
    const [command, commandArgs] = asServerUser(join(this.bin, program), args);
    execFileSync(command, commandArgs, { stdio: 'pipe', cwd: this.home });
  }

  private connection(): string[] {
    return ['-h', '127.0.0.1', '-p', String(this.port), '-U', USER];
  }

  private clientEnv(): NodeJS.ProcessEnv {
    return { ...process.env, PGPASSWORD: this.password };
  }
}

/**
 * Removes the cluster that dataDir's `cluster` link points to, if it is one of ours (a run killed with
 * SIGKILL leaves it under the temp folder). The local stack calls it before it wipes its run folder.
 */
export function removeClusterOf(dataDir: string): void {
  const link = join(dataDir, 'cluster');
  let target: string;
  try {
    if (!lstatSync(link).isSymbolicLink()) return;
    target = readlinkSync(link);
  } catch {
    return; // no link
  }
  const home = dirname(target);
  if (basename(target) === 'cluster' && basename(home).startsWith(CLUSTER_HOME_PREFIX)) {
    rmSync(home, { recursive: true, force: true });
  }
  rmSync(link, { force: true });
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
