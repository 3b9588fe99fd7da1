/**
 * The throwaway PostgreSQL server.
 *
 * It restarts on its data while a client holds a connection, as the engine's pool always does.
 * Regression: stop() sent SIGTERM, PostgreSQL's smart shutdown, which waits for every session to end;
 * the server was then killed after the grace time, left postmaster.pid behind, and the next start()
 * failed with "lock file postmaster.pid already exists" (found by the chaos run).
 *
 * It starts from a checkout inside a folder only its owner may enter. Regression: as root, initdb ran
 * as `postgres` on a cluster in the run folder and failed with `could not change directory to
 * "<clone>": Permission denied`.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

import { postgresBinDir, startPostgres, type RunningPostgres } from '../../local/postgres';

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('local PostgreSQL server', function () {
  this.timeout(60_000);
  let postgres: RunningPostgres | undefined;

  afterEach(async () => {
    await postgres?.destroy();
    postgres = undefined;
  });

  it('stops at once while a session is open, and starts again on the same data and port', async () => {
    const server = (postgres = await startPostgres());
    server.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    const session = spawn(
      join(postgresBinDir(), 'psql'),
      ['-h', '127.0.0.1', '-p', String(server.port), '-U', server.user, '-d', 'camunda', '-c', 'SELECT pg_sleep(60)'],
      {
        env: { ...process.env, PGPASSWORD: server.password },
        stdio: 'ignore',
      },
    );
    const sessionEnded = new Promise((resolve) => session.once('exit', resolve));
    await waitFor(
      'the session is open',
      () =>
        server.query(
          "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'",
        ) === '1',
    );

    const started = Date.now();
    await server.stop();
    expect(Date.now() - started, 'a fast shutdown does not wait for sessions').to.be.below(4_000);
    expect(existsSync(join(server.dataDir, 'cluster', 'postmaster.pid')), 'postmaster.pid removed').to.equal(false);
    await sessionEnded;

    await server.start();
    expect(server.query('SELECT n FROM kept')).to.equal('42');
  });

  it('starts from a folder only its owner may enter, as root, and destroy removes what it made', async function () {
    if (userInfo().uid !== 0) {
      this.test!.title += ' (skipped: only as root does the server run as another user, `postgres`)';
      this.skip();
    }
    const privateFolder = mkdtempSync(join(tmpdir(), 'postgres-private-'));
    const workingFolder = process.cwd();
    try {
      expect(statSync(privateFolder).mode & 0o777).to.equal(0o700);
      // The server's programs inherit the working folder, as they did from a checkout in it.
      process.chdir(privateFolder);
      const server = (postgres = await startPostgres({ dataDir: join(privateFolder, 'run', 'postgres') }));
      process.chdir(workingFolder);
      expect(server.query('SELECT 6 * 7')).to.equal('42');
      expect(server.logFile).to.equal(join(privateFolder, 'run', 'postgres', 'postgres.log'));

      const clusterHome = dirname(server.clusterDir);
      expect(clusterHome.startsWith(privateFolder), 'the cluster lives where the server user can reach it').to.equal(
        false,
      );

      // What the local stack does when it stops: the log stays in the run folder.
      await server.destroy({ keepLog: true });
      expect(existsSync(clusterHome), 'cluster removed').to.equal(false);
      expect(readdirSync(server.dataDir), 'only the log left').to.deep.equal(['postgres.log']);
      await server.destroy();
      postgres = undefined;
      expect(existsSync(server.dataDir), 'data folder removed').to.equal(false);
    } finally {
      process.chdir(workingFolder);
      rmSync(privateFolder, { recursive: true, force: true });
    }
  });
});
