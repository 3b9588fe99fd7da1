import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ENGINE_JAR, ENGINE_JAVA_OPTIONS } from '../../local/engine';
import { freePort } from '../../devkit/loopback';

/** Runs the engine jar with the given settings and expects it to refuse to start. */
function startWith(settings: Record<string, string>, dataDir: string) {
  const result = spawnSync('java', [...ENGINE_JAVA_OPTIONS, '-jar', ENGINE_JAR], {
    cwd: dataDir,
    env: { PATH: process.env.PATH, BIND_ADDRESS: '127.0.0.1', ...settings },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = result.stderr.split('\n').filter((line) => line.trim());
  return { status: result.status, lines, stdout: result.stdout };
}

describe('engine settings', function () {
  this.timeout(90_000);
  let dataDir: string;

  before(() => (dataDir = mkdtempSync(join(tmpdir(), 'engine-settings-'))));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const refusals: Array<{ what: string; settings: Record<string, string>; variable: string; fix: RegExp }> = [
    {
      what: 'an unknown database type',
      settings: { DB_TYPE: 'oracle' },
      variable: 'DB_TYPE',
      fix: /one of h2, postgres/,
    },
    {
      what: 'PostgreSQL without a URL',
      settings: { DB_TYPE: 'postgres' },
      variable: 'DB_URL',
      fix: /jdbc:postgresql:/,
    },
    {
      what: 'a malformed JDBC URL',
      settings: { DB_TYPE: 'postgres', DB_URL: 'postgres://x/y' },
      variable: 'DB_URL',
      fix: /jdbc:postgresql:/,
    },
    {
      what: 'a bad retry cycle',
      settings: { JOB_RETRY_TIME_CYCLE: 'R3/soon' },
      variable: 'JOB_RETRY_TIME_CYCLE',
      fix: /R999999\/PT30S/,
    },
    {
      what: 'a bad publish retry cycle',
      settings: { PUBLISH_RETRY_TIME_CYCLE: 'forever' },
      variable: 'PUBLISH_RETRY_TIME_CYCLE',
      fix: /R<count>/,
    },
    {
      what: 'a re-publish delay that is no duration',
      settings: { REPUBLISH_AFTER: '5 minutes' },
      variable: 'REPUBLISH_AFTER',
      fix: /PT5M/,
    },
    {
      what: 'a re-publish delay below one second',
      settings: { REPUBLISH_AFTER: 'PT0.5S' },
      variable: 'REPUBLISH_AFTER',
      fix: /at least one second/,
    },
    {
      what: 'a port that is not a number',
      settings: { PORT: 'eighty' },
      variable: 'PORT',
      fix: /whole number from 0 to 65535/,
    },
    {
      what: 'an unknown history level',
      settings: { HISTORY_LEVEL: 'everything' },
      variable: 'HISTORY_LEVEL',
      fix: /activity, audit, full, none/,
    },
    {
      what: 'a bad history time to live',
      settings: { HISTORY_TIME_TO_LIVE: '7 days' },
      variable: 'HISTORY_TIME_TO_LIVE',
      fix: /P1D/,
    },
    {
      what: 'a bad cleanup window',
      settings: { HISTORY_CLEANUP_WINDOW: 'nights' },
      variable: 'HISTORY_CLEANUP_WINDOW',
      fix: /HH:MM-HH:MM/,
    },
    {
      what: 'basic authentication without a password',
      settings: { REST_AUTH: 'basic' },
      variable: 'ADMIN_PASSWORD',
      fix: /REST_AUTH=none/,
    },
    {
      what: 'Google authentication without callers',
      settings: { REST_AUTH: 'google' },
      variable: 'REST_CALLERS',
      fix: /REST_AUTH=google needs it: set it to <email>=<METHOD> <path>/,
    },
    {
      what: 'a caller permission outside the REST API',
      settings: { REST_AUTH: 'google', REST_CALLERS: 'ops@example.com=GET /ready' },
      variable: 'REST_CALLERS',
      fix: /does not lie under \/engine-rest/,
    },
    {
      what: 'a metadata URL that is not http(s)',
      settings: { METADATA_URL: 'ftp://metadata' },
      variable: 'METADATA_URL',
      fix: /http\(s\)/,
    },
    {
      what: 'a max pool below the core pool',
      settings: { JOB_CORE_POOL_SIZE: '8', JOB_MAX_POOL_SIZE: '4' },
      variable: 'JOB_MAX_POOL_SIZE',
      fix: /at least JOB_CORE_POOL_SIZE/,
    },
  ];

  for (const { what, settings, variable, fix } of refusals) {
    it(`refuses ${what} with one line naming ${variable}`, () => {
      const { status, lines, stdout } = startWith(settings, dataDir);
      expect(status).to.equal(2);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(new RegExp(`^engine: ${variable}`));
      expect(lines[0]).to.match(fix);
      expect(stdout).to.equal('');
    });
  }

  it('refuses an unreachable database with one line and exit code 3', async () => {
    const port = await freePort(); // nothing listens there
    const { status, lines } = startWith(
      {
        DB_TYPE: 'postgres',
        DB_URL: `jdbc:postgresql://127.0.0.1:${port}/camunda`,
        DB_USER: 'camunda',
        DB_PASSWORD: 'x',
      },
      dataDir,
    );
    expect(status).to.equal(3);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      /^engine: cannot connect to the database at jdbc:postgresql:\/\/127\.0\.0\.1:\d+\/camunda \(DB_URL\)/,
    );
  });
});
