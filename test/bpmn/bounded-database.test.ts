/**
 * An echo loop runs forever, so with the engine's default settings its database must not grow with the
 * iteration count. Runs bpmn/EchoLoop.bpmn on PostgreSQL with every history setting left at the engine's
 * default and an automatic replier, holds the loop at the same point of two iterations 200 apart (the
 * reply not yet sent, the publish done), and compares the row count of every engine table. The only
 * table allowed to grow is ACT_RU_METER_LOG, which grows with time (a few rows per metrics interval),
 * not with iterations.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEngine, type RunningEngine } from '../../local/engine';
import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startPostgres, type RunningPostgres } from '../../local/postgres';
import { Camunda, eventually, variables } from '../support/camunda';
import { echoRequestOf, FakePubsub, sendReply, type EchoRequest } from '../support/fake-pubsub';

const GROWS_WITH_TIME_ONLY = new Set(['act_ru_meter_log']);

describe('BPMN block EchoLoop on the engine defaults', function () {
  this.timeout(180_000);

  let postgres: RunningPostgres;
  let engine: RunningEngine;
  let metadata: MetadataServer;
  let camunda: Camunda;
  let dataDir: string;
  const pubsub = new FakePubsub();

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bounded-database-'));
    postgres = await startPostgres();
    metadata = await startMetadataServer();
    await pubsub.start();
    // Only what a test needs to run at all: no history setting, so the engine's defaults apply.
    engine = await startEngine({
      dataDir,
      database: { type: 'postgres', url: postgres.jdbcUrl, user: postgres.user, password: postgres.password },
      settings: {
        REST_AUTH: 'none',
        JOB_ACQUISITION_WAIT_MS: '200',
        JOB_MAX_WAIT_MS: '1000',
        METADATA_URL: metadata.url,
        PUBSUB_URL: pubsub.url,
      },
    });
    camunda = new Camunda(engine.restUrl);
  });

  after(async () => {
    await engine?.stop();
    await postgres?.destroy();
    await pubsub.close();
    await metadata?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * Row count of every engine table, once the held Echo has published and waits for its reply with no
   * job due: the loop is at rest, nothing more can run until the reply.
   */
  const restingRowCounts = async (echoId: string): Promise<Map<string, number>> => {
    await eventually(`Echo ${echoId} to wait for its reply with nothing left to run`, async () => {
      const waiting = { processInstanceId: echoId, eventName: 'PushTaskReply' };
      if ((await camunda.count('event-subscription', waiting)) !== 1) return false;
      return (await camunda.jobs({ executable: 'true' })).every((job) => job.processInstanceId === null);
    });
    const tables = postgres
      .query("select relname from pg_class where relkind = 'r' and relname like 'act_%' order by relname")
      .split('\n');
    return new Map(tables.map((table) => [table, Number(postgres.query(`select count(*) from ${table}`))]));
  };

  it('keeps every engine table at the same row count from iteration 20 to iteration 220', async () => {
    const checkpoints = [20, 220];
    const held = new Map<number, EchoRequest>();
    pubsub.afterAnswer = async (message) => {
      const request = echoRequestOf(message);
      if (checkpoints.includes(request.iteration ?? 0)) held.set(request.iteration ?? 0, request);
      else await sendReply(engine.restUrl, request);
      pubsub.published.length = 0; // the stand-in's own memory stays flat too
      pubsub.stub.requests.length = 0;
    };
    await camunda.start('EchoLoop', variables({ project: 'test-project', topic: 'echo-requests' }), 'bounded');

    const counts: Array<Map<string, number>> = [];
    for (const checkpoint of checkpoints) {
      const request = await eventually(
        `iteration ${checkpoint} to be published`,
        async () => held.get(checkpoint),
        120_000,
      );
      counts.push(await restingRowCounts(request.processInstanceId));
      expect(await sendReply(engine.restUrl, request)).to.equal(204);
    }

    const [first, last] = counts;
    const grown = [...last]
      .filter(([table, count]) => !GROWS_WITH_TIME_ONLY.has(table) && count !== first.get(table))
      .map(([table, count]) => `${table}: ${first.get(table)} -> ${count}`);
    expect(grown, 'tables that grew over 200 iterations').to.deep.equal([]);
    const historyRows = [...last]
      .filter(([table]) => table.startsWith('act_hi_'))
      .reduce((sum, [, count]) => sum + count, 0);
    expect(historyRows, 'history rows').to.equal(0);
    expect(last.get('act_ru_execution'), 'executions of the waiting loop').to.be.greaterThan(0);
    expect(await camunda.count('incident')).to.equal(0);
  });
});
