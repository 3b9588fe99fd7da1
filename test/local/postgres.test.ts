/**
 * The throwaway PostgreSQL server restarts on its data while a client holds a connection, as the engine's
 * pool always does. Regression: stop() sent SIGTERM, PostgreSQL's smart shutdown, which waits for every
 * session to end; the server was then killed after the grace time, left postmaster.pid behind, and the
 * next start() failed with "lock file postmaster.pid already exists" (found by the chaos run).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { postgresBinDir, startPostgres, type RunningPostgres } from '../../local/postgres';

describe('local PostgreSQL server', function () {
  this.timeout(60_000);
  let postgres: RunningPostgres | undefined;

  after(async () => {
    await postgres?.destroy();
  });

  it('stops at once while a session is open, and starts again on the same data and port', async () => {
    postgres = await startPostgres();
    postgres.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    const session = spawn(
      join(postgresBinDir(), 'psql'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(postgres.port),
        '-U',
        postgres.user,
        '-d',
        'camunda',
        '-c',
        'SELECT pg_sleep(60)',
      ],
      {
        env: { ...process.env, PGPASSWORD: postgres.password },
        stdio: 'ignore',
      },
    );
    const sessionEnded = new Promise((resolve) => session.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));

    const started = Date.now();
    await postgres.stop();
    expect(Date.now() - started, 'a fast shutdown does not wait for sessions').to.be.below(4_000);
    expect(existsSync(join(postgres.dataDir, 'cluster', 'postmaster.pid')), 'postmaster.pid removed').to.equal(false);
    await sessionEnded;

    await postgres.start();
    expect(postgres.query('SELECT n FROM kept')).to.equal('42');
  });
});
