// Engines started at the same moment on an empty PostgreSQL database, as on a first deploy with more than
// one Cloud Run instance: without the start-up lock one of them could lose the race in Camunda's schema
// creation and exit. All must become ready, with one schema and one deployment of the BPMN files.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEngine, type RunningEngine } from '../../local/engine';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../../local/postgres';
import { waitFor } from '../../devkit/wait';

const ENGINES = 3;
const LOCK_KEY = "hashtext('camunda-serverless:startup')";

/** A psql session that takes the engines' start-up lock and keeps it until the process is killed. */
function holdStartupLock(postgres: RunningPostgres): ChildProcess {
  const { hostname, port, pathname } = new URL(postgres.jdbcUrl.replace(/^jdbc:/, ''));
  const sql = `select pg_advisory_lock(${LOCK_KEY}); select pg_sleep(600);`;
  return spawn(
    join(postgresBinDir(), 'psql'),
    ['-h', hostname, '-p', port, '-U', postgres.user, '-d', pathname.slice(1), '-c', sql],
    { env: { ...process.env, PGPASSWORD: postgres.password }, stdio: 'ignore' },
  );
}

const HELD = `locktype = 'advisory' and objid = (${LOCK_KEY})::oid and granted`;

function lockHolders(postgres: RunningPostgres): number {
  return Number(postgres.query(`select count(*) from pg_locks where ${HELD}`));
}

describe('engines started at once on an empty database', function () {
  // Three JVMs at once on a small machine, one after another in the worst case.
  this.timeout(300_000);

  let postgres: RunningPostgres;
  const dataDirs: string[] = [];
  let results: Array<PromiseSettledResult<RunningEngine>> = [];

  before(async () => {
    postgres = await startPostgres();
    const database = {
      type: 'postgres' as const,
      url: postgres.jdbcUrl,
      user: postgres.user,
      password: postgres.password,
    };
    results = await Promise.allSettled(
      Array.from({ length: ENGINES }, () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'engine-concurrent-'));
        dataDirs.push(dataDir);
        return startEngine({ dataDir, database, readyTimeoutMs: 240_000 });
      }),
    );
  });

  after(async () => {
    await Promise.all(results.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    await postgres?.destroy();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  it('all become ready', async () => {
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
    expect(failures, failures.join('\n')).to.deep.equal([]);
    for (const result of results) {
      const engine = (result as PromiseFulfilledResult<RunningEngine>).value;
      expect((await fetch(`${engine.url}/ready`)).status).to.equal(200);
    }
  });

  it('created the schema once', () => {
    expect(postgres.query("select count(*) from act_ge_property where name_ = 'schema.version'")).to.equal('1');
    expect(postgres.query('select count(*) from act_ge_schema_log')).to.equal('1');
  });

  it('deployed each BPMN file once: one deployment, version 1 of every process', () => {
    expect(postgres.query('select count(*) from act_re_deployment')).to.equal('1');
    const versions = postgres.query("select key_ || ':' || version_ from act_re_procdef order by key_").split('\n');
    expect(versions.length).to.be.greaterThan(3);
    for (const keyAndVersion of versions) expect(keyAndVersion).to.match(/:1$/);
  });
});

describe('an engine starting while another one holds the start-up lock', function () {
  this.timeout(180_000);

  let postgres: RunningPostgres;
  let dataDir: string;
  let holder: ChildProcess | undefined;
  let engine: Promise<RunningEngine> | undefined;

  before(async () => {
    postgres = await startPostgres();
    dataDir = mkdtempSync(join(tmpdir(), 'engine-lock-'));
  });

  after(async () => {
    holder?.kill('SIGKILL');
    await (await engine?.catch(() => undefined))?.stop();
    await postgres?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('waits for it, and starts once the holder is gone', async () => {
    holder = holdStartupLock(postgres);
    await waitFor(() => lockHolders(postgres) === 1, { timeoutMs: 20_000, what: 'the lock to be held' });

    const database = {
      type: 'postgres' as const,
      url: postgres.jdbcUrl,
      user: postgres.user,
      password: postgres.password,
    };
    let output = '';
    engine = startEngine({ dataDir, database, readyTimeoutMs: 150_000 });
    const log = join(dataDir, 'engine.log');
    await waitFor(
      () => (output = existsSync(log) ? readFileSync(log, 'utf8') : '').includes('another engine is starting'),
      { timeoutMs: 60_000, what: 'the engine to say that it waits' },
    );
    expect(output).not.to.match(/Started EngineApplication/);
    expect(postgres.query("select count(*) from pg_tables where tablename = 'act_ge_property'")).to.equal('0');

    // The holder's session ends as a crashed engine's would; killing psql alone leaves its backend sleeping.
    postgres.query(`select pg_terminate_backend(pid) from pg_locks where ${HELD}`);
    const running = await engine;
    expect((await fetch(`${running.url}/ready`)).status).to.equal(200);
  });
});
