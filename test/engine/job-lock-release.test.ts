// SIGTERM (every Cloud Run redeploy and scale-in) must not leave jobs locked for JOB_LOCK_TIME_MS: the
// stopping engine gives up the locks of jobs it holds but does not run, and another engine runs them at
// its next acquisition. The lock time here is 5 minutes, so only the release can explain a pickup before
// the deadline. A job still running keeps its lock: it might still commit.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEngine, type RunningEngine } from '../../local/engine';
import { startPostgres, type RunningPostgres } from '../../local/postgres';
import { waitFor } from '../../devkit/wait';
import { Camunda } from '../support/camunda';

const FIXTURE = join(__dirname, 'fixtures', 'HeldJob.bpmn');

// One job thread and a queue of one: of three jobs acquired together one runs, one is queued and one is
// rejected (the acquisition keeps it, locked, to hand in again): the three kinds a stopping engine holds.
const JOB_SETTINGS = {
  JOB_LOCK_TIME_MS: '300000',
  JOB_CORE_POOL_SIZE: '1',
  JOB_MAX_POOL_SIZE: '1',
  JOB_QUEUE_CAPACITY: '1',
  JOB_MAX_JOBS_PER_ACQUISITION: '3',
  JOB_ACQUISITION_WAIT_MS: '100',
  JOB_MAX_WAIT_MS: '500',
};

describe('an engine stopped with SIGTERM while it holds job locks', function () {
  // Two JVMs and PostgreSQL on a small machine.
  this.timeout(300_000);

  let postgres: RunningPostgres;
  const engines: RunningEngine[] = [];
  const dataDirs: string[] = [];

  async function engine(settings: Record<string, string>): Promise<RunningEngine> {
    const dataDir = mkdtempSync(join(tmpdir(), 'engine-lock-release-'));
    dataDirs.push(dataDir);
    const database = {
      type: 'postgres' as const,
      url: postgres.jdbcUrl,
      user: postgres.user,
      password: postgres.password,
    };
    const started = await startEngine({ dataDir, database, settings, readyTimeoutMs: 240_000 });
    engines.push(started);
    return started;
  }

  // The fixture's jobs only: the engine has jobs of its own (history cleanup).
  const HELD = "from act_ru_job where process_def_key_ = 'HeldJob'";
  const lockedJobs = () => Number(postgres.query(`select count(*) ${HELD} and lock_owner_ is not null`));
  const jobs = () => Number(postgres.query(`select count(*) ${HELD}`));

  before(async () => {
    postgres = await startPostgres();
  });

  after(async () => {
    for (const started of engines) await started.stop();
    await postgres?.destroy();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  it('releases the locks of the jobs it does not run, at once; another engine runs them', async () => {
    const holder = await engine({ ...JOB_SETTINGS, HOLD_JOBS: 'true' });
    const camunda = new Camunda(holder.restUrl);
    await camunda.deployFiles('held-job', [FIXTURE]);
    for (let i = 0; i < 3; i++) await camunda.start('HeldJob');
    await waitFor(() => lockedJobs() === 3, { timeoutMs: 60_000, what: 'the holder to lock all three jobs' });

    const other = await engine(JOB_SETTINGS);
    expect(lockedJobs(), 'the other engine cannot take locked jobs').to.equal(3);

    // SIGTERM; SIGKILL 10 s later, as on Cloud Run: the job that never ends keeps its database connection,
    // and the connection pool waits for it when it closes.
    await holder.stop();
    // The two released jobs end on the other engine long before their 5-minute lock would have expired.
    await waitFor(() => jobs() === 1, { timeoutMs: 120_000, what: 'the two released jobs to run on the other engine' });
    expect(lockedJobs(), 'the job that was running keeps its lock').to.equal(1);
    // It may hold an engine job of its own too (history cleanup): all but the running job are released.
    const line = /released (\d+) of the (\d+) job lock\(s\) it held; jobs still running/.exec(
      readFileSync(holder.logFile, 'utf8'),
    );
    expect(line, 'the release line in the log').to.not.equal(null);
    expect(Number(line?.[2]) - Number(line?.[1]), 'locks kept').to.equal(1);
    expect((await fetch(`${other.url}/ready`)).status).to.equal(200);
  });
});
