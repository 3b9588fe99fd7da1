import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CamundaRest, eventually } from '../../local/camunda-rest';
import { ENGINE_JAR, ENGINE_JAVA_OPTIONS, startEngine, type RunningEngine } from '../../local/engine';
import { startPostgres, type RunningPostgres } from '../../local/postgres';
import { HttpStub } from '../support/http-stub';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const PACKAGED_PROCESSES = ['EchoLoop', 'FetchToken', 'Http', 'PubsubPublish', 'PushTask'];

describe('engine', function () {
  this.timeout(120_000);

  describe('on H2', () => {
    let dataDir: string;
    let engine: RunningEngine;
    let rest: CamundaRest;
    const server = new HttpStub();

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'engine-h2-'));
      // Fast polling so that a retry due in 1 s is picked up within the test.
      engine = await startEngine({ dataDir, settings: { JOB_ACQUISITION_WAIT_MS: '100', JOB_MAX_WAIT_MS: '500' } });
      rest = new CamundaRest(engine.restUrl);
      await server.start();
      await rest.deploy('engine-test', {
        'ConnectorAndScript.bpmn': fixture('ConnectorAndScript.bpmn'),
        'AsyncRetry.bpmn': fixture('AsyncRetry.bpmn'),
      });
    });

    after(async () => {
      await engine?.stop();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers /ready and serves the REST API without authentication by default', async () => {
      const ready = await fetch(`${engine.url}/ready`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({ status: 'UP' });
      expect(await rest.expectOk('GET', '/engine')).to.deep.equal([{ name: 'default' }]);
    });

    it('deploys the BPMN files packaged from bpmn/', async () => {
      const definitions = await rest.expectOk<Array<{ key: string }>>('GET', '/process-definition?latestVersion=true');
      expect(definitions.map((d) => d.key)).to.include.members(PACKAGED_PROCESSES);
    });

    it('runs an http-connector call and a Groovy script using Spin to completion', async () => {
      server.reset();
      server.enqueue({ status: 200, body: JSON.stringify({ greeting: 'hello from the server' }) });
      const instance = await rest.startProcess('ConnectorAndScript', {
        variables: { serverUrl: { value: server.url, type: 'String' } },
      });
      // The process waits at its end so that its variables can be read without history.
      const variables = await rest.variables(instance.id);
      expect(variables.statusCode).to.equal(200);
      expect(variables.greeting).to.equal('HELLO FROM THE SERVER');
    });

    it('retries a failing async task on its R3/PT1S cycle until it succeeds', async () => {
      server.reset();
      server.enqueue({ status: 500, body: '{}' }, { status: 500, body: '{}' }, { status: 200, body: '{}' });
      const instance = await rest.startProcess('AsyncRetry', {
        variables: { serverUrl: { value: server.url, type: 'String' } },
      });
      // History is off by default: the instance has ended once the runtime no longer knows it.
      await eventually(
        'the instance to end',
        async () => (await rest.count('process-instance', { processInstanceIds: instance.id })) === 0,
        20_000,
      );

      const times = server.requests.map((request) => request.at);
      expect(times).to.have.length(3);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      for (const gap of gaps) expect(gap, 'time between tries').to.be.within(900, 3_000);
      expect(await rest.incidents({ processInstanceId: instance.id })).to.deep.equal([]);
    });

    it('creates no new process definition versions when restarted with unchanged files', async () => {
      const before = await rest.count('process-definition');
      await engine.stop();
      engine = await startEngine({ dataDir, settings: { JOB_ACQUISITION_WAIT_MS: '100', JOB_MAX_WAIT_MS: '500' } });
      rest = new CamundaRest(engine.restUrl);
      expect(await rest.count('process-definition')).to.equal(before);
      expect(await rest.count('deployment', { name: 'camunda-serverless' })).to.equal(1);
    });
  });

  describe('on PostgreSQL', () => {
    let postgres: RunningPostgres;
    let engine: RunningEngine;
    let dataDir: string;

    before(async () => {
      postgres = await startPostgres({ statementStats: true });
      dataDir = mkdtempSync(join(tmpdir(), 'engine-pg-'));
      engine = await startEngine({
        dataDir,
        database: { type: 'postgres', url: postgres.jdbcUrl, user: postgres.user, password: postgres.password },
      });
    });

    after(async () => {
      await engine?.stop();
      await postgres?.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('boots, creates its schema in PostgreSQL and deploys bpmn/', async () => {
      expect((await fetch(`${engine.url}/ready`)).status).to.equal(200);
      const keys = postgres.query('select distinct key_ from act_re_procdef order by key_').split('\n');
      expect(keys).to.include.members(PACKAGED_PROCESSES);
    });

    it('sends its insert batches to PostgreSQL as multi-row inserts', () => {
      // Deploying bpmn/ at boot inserts its process definitions in one batch: one statement, a row each.
      const inserts = postgres.query(
        "select query from pg_stat_statements where query ilike 'insert into ACT_RE_PROCDEF%'",
      );
      expect(inserts).to.match(/\)\s*,\s*\(/);
    });

    it('reports not ready while the database is down, and ready again once it is back', async () => {
      await postgres.stop();
      const down = await fetch(`${engine.url}/ready`);
      expect(down.status).to.equal(503);
      expect(((await down.json()) as { reason: string }).reason).to.match(/database/);
      await postgres.start();
      await eventually('ready again', async () => (await fetch(`${engine.url}/ready`)).status === 200, 30_000);
    });

    it('sets the database up with history level none by default', () => {
      expect(postgres.query("select value_ from act_ge_property where name_ = 'historyLevel'")).to.equal('0');
    });

    it('refuses, with the fix, a HISTORY_LEVEL other than the one the database was set up with', () => {
      const second = spawnSync('java', [...ENGINE_JAVA_OPTIONS, '-jar', ENGINE_JAR], {
        cwd: dataDir,
        env: {
          PATH: process.env.PATH,
          BIND_ADDRESS: '127.0.0.1',
          PORT: '0',
          DB_TYPE: 'postgres',
          DB_URL: postgres.jdbcUrl,
          DB_USER: postgres.user,
          DB_PASSWORD: postgres.password,
          HISTORY_LEVEL: 'activity',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(second.status).to.equal(2);
      const lines = second.stderr.split('\n').filter((line) => line.trim());
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(
        /HISTORY_LEVEL=activity but this database was set up with history level none: set HISTORY_LEVEL=none/,
      );
      expect(lines[0]).to.include("SET VALUE_ = '1'");
    });
  });

  describe('with REST basic authentication', () => {
    let engine: RunningEngine;
    let dataDir: string;
    const password = 'correct horse battery staple';

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'engine-auth-'));
      engine = await startEngine({
        dataDir,
        settings: { REST_AUTH: 'basic', ADMIN_USER: 'operator', ADMIN_PASSWORD: password },
      });
    });

    after(async () => {
      await engine?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    // GET /engine-rest/engine (the list of engine names) stays open by Camunda's design; the rest is guarded.
    it('rejects a request without credentials', async () => {
      expect((await new CamundaRest(engine.restUrl).request('GET', '/process-definition/count')).status).to.equal(401);
    });

    it('rejects a wrong password', async () => {
      const rest = new CamundaRest(engine.restUrl, { user: 'operator', password: 'wrong' });
      expect((await rest.request('GET', '/process-definition/count')).status).to.equal(401);
    });

    it('accepts the admin user with ADMIN_PASSWORD', async () => {
      const rest = new CamundaRest(engine.restUrl, { user: 'operator', password });
      expect((await rest.request('GET', '/process-definition/count')).status).to.equal(200);
    });

    it('leaves /ready open for probes', async () => {
      expect((await fetch(`${engine.url}/ready`)).status).to.equal(200);
    });

    it('follows a changed ADMIN_PASSWORD after a restart', async () => {
      await engine.stop();
      engine = await startEngine({
        dataDir,
        settings: { REST_AUTH: 'basic', ADMIN_USER: 'operator', ADMIN_PASSWORD: 'rotated' },
      });
      const withOld = new CamundaRest(engine.restUrl, { user: 'operator', password });
      const withNew = new CamundaRest(engine.restUrl, { user: 'operator', password: 'rotated' });
      expect((await withOld.request('GET', '/process-definition/count')).status).to.equal(401);
      expect((await withNew.request('GET', '/process-definition/count')).status).to.equal(200);
    });
  });
});
