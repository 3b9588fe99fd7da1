/**
 * How the database grows while an echo loop runs: starts a throwaway PostgreSQL (or H2), the engine with
 * the history settings given, a local metadata server and a Pub/Sub stand-in that replies to every
 * publish at once through POST /engine-rest/message (no emulator, no function: the loop runs as fast as
 * the engine can), then prints the database size and the row counts after each checkpoint.
 *
 *   npx tsx scripts/measure-history-growth.ts [--db postgres|h2] [--checkpoints 1000,10000]
 *       [--history activity] [--ttl P1D] [--strategy start] [--window 00:00-23:59] [--cleanup]
 *
 * --history, --ttl, --strategy and --window set HISTORY_LEVEL, HISTORY_TIME_TO_LIVE,
 * HISTORY_REMOVAL_TIME_STRATEGY and HISTORY_CLEANUP_WINDOW (engine defaults when left out). With
 * --cleanup, history cleanup is triggered at each checkpoint and given time to finish before measuring,
 * as it would have run by then in a loop that ran for a day. The figures are written to bpmn/README.md
 * by hand; this is a measurement, not a test.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEngine, type EngineDatabase } from '../local/engine';
import { startMetadataServer } from '../local/metadata-server';
import { startPostgres, type RunningPostgres } from '../local/postgres';
import { Camunda, sleep } from '../test/support/camunda';
import { echoRequestOf, FakePubsub, sendReply } from '../test/support/fake-pubsub';

interface Options {
  db: 'postgres' | 'h2';
  checkpoints: number[];
  settings: Record<string, string>;
  cleanup: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { db: 'postgres', checkpoints: [1000, 10000], settings: {}, cleanup: false };
  const settingFor: Record<string, string> = {
    '--history': 'HISTORY_LEVEL',
    '--ttl': 'HISTORY_TIME_TO_LIVE',
    '--strategy': 'HISTORY_REMOVAL_TIME_STRATEGY',
    '--window': 'HISTORY_CLEANUP_WINDOW',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--db') {
      const db = value();
      if (db !== 'postgres' && db !== 'h2') throw new Error('--db is postgres or h2');
      options.db = db;
    } else if (arg === '--checkpoints') {
      options.checkpoints = value()
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
        .sort((a, b) => a - b);
    } else if (arg === '--cleanup') {
      options.cleanup = true;
    } else if (settingFor[arg]) {
      options.settings[settingFor[arg]] = value();
    } else {
      throw new Error(`unknown argument ${arg}; see the comment at the top of scripts/measure-history-growth.ts`);
    }
  }
  return options;
}

const TABLES = [
  'act_hi_procinst',
  'act_hi_actinst',
  'act_hi_varinst',
  'act_hi_detail',
  'act_hi_job_log',
  'act_ru_execution',
  'act_ru_variable',
  'act_ru_job',
  'act_ru_event_subscr',
  'act_ru_meter_log',
  'act_ge_bytearray',
];

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const workDir = mkdtempSync(join(tmpdir(), 'camunda-serverless-history-'));
  let postgres: RunningPostgres | undefined;
  const metadata = await startMetadataServer();
  const pubsub = await new FakePubsub().start();
  try {
    let database: EngineDatabase;
    if (options.db === 'postgres') {
      postgres = await startPostgres(); // its own folder, owned by the server user
      database = { type: 'postgres', url: postgres.jdbcUrl, user: postgres.user, password: postgres.password };
    } else {
      database = { type: 'h2', file: join(workDir, 'h2', 'engine') };
    }
    const engine = await startEngine({
      dataDir: join(workDir, 'engine'),
      database,
      settings: { REST_AUTH: 'none', METADATA_URL: metadata.url, PUBSUB_URL: pubsub.url, ...options.settings },
    });
    try {
      console.log(describeRun(options));
      const iterations = replyToEveryPublish(pubsub, engine.restUrl);
      const camunda = new Camunda(engine.restUrl);
      const measure = (label: string, elapsedMs: number) => measureRow(label, elapsedMs, camunda, database, postgres);
      const rows = await runThroughCheckpoints(options, camunda, iterations, measure);
      await stopLoop(camunda);
      printTable(rows);
    } finally {
      await engine.stop();
    }
  } finally {
    await postgres?.destroy();
    await pubsub.close();
    await metadata.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

function describeRun(options: Options): string {
  const settingsText =
    Object.entries(options.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '(engine defaults)';
  return `database ${options.db}; settings ${settingsText}${options.cleanup ? '; history cleanup run at each checkpoint' : ''}`;
}

/** The automatic replier: every published echo request is answered at once. Returns the iterations so far. */
function replyToEveryPublish(pubsub: FakePubsub, engineRestUrl: string): () => number {
  let iteration = 0;
  pubsub.afterAnswer = async (message) => {
    const request = echoRequestOf(message);
    iteration = Math.max(iteration, (request.iteration ?? 1) - 1);
    await sendReply(engineRestUrl, request);
    pubsub.published.length = 0; // keep the stand-in's own memory flat
    pubsub.stub.requests.length = 0;
  };
  return () => iteration;
}

type Row = Record<string, string | number>;

/** Starts the loop and measures once at the start and at each checkpoint. */
async function runThroughCheckpoints(
  options: Options,
  camunda: Camunda,
  iterations: () => number,
  measure: (label: string, elapsedMs: number) => Promise<Row>,
): Promise<Row[]> {
  const rows = [await measure('0 (engine started)', 0)];
  const started = Date.now();
  await camunda.start(
    'EchoLoop',
    { project: { value: 'local-project', type: 'String' }, topic: { value: 'echo-requests', type: 'String' } },
    'measure',
  );
  let lastReport = Date.now();
  for (const checkpoint of options.checkpoints) {
    while (iterations() < checkpoint) {
      await sleep(200);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        const rate = iterations() / ((Date.now() - started) / 1000);
        console.error(`... ${iterations()} iterations, ${rate.toFixed(1)} per second`);
      }
    }
    const elapsed = Date.now() - started;
    if (options.cleanup) await runHistoryCleanup(camunda);
    rows.push(await measure(String(checkpoint), elapsed));
  }
  return rows;
}

/** The database size and row counts now, printed as one JSON line. */
async function measureRow(
  label: string,
  elapsedMs: number,
  camunda: Camunda,
  database: EngineDatabase,
  postgres: RunningPostgres | undefined,
): Promise<Row> {
  const row: Row = { iterations: label, 'elapsed s': Math.round(elapsedMs / 1000) };
  if (postgres) {
    row['database MB'] = mb(Number(postgres.query("select pg_database_size('camunda')")));
    row['engine tables MB'] = mb(
      Number(
        postgres.query(
          "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c where c.relkind = 'r' and c.relname like 'act_%'",
        ),
      ),
    );
    for (const table of TABLES) row[table] = Number(postgres.query(`select count(*) from ${table}`));
    row['act_hi_* rows without removal time'] = Number(
      postgres.query(
        'select (select count(*) from act_hi_procinst where removal_time_ is null) + (select count(*) from act_hi_actinst where removal_time_ is null)',
      ),
    );
  } else {
    row['database MB'] = mb(statSync(`${(database as { file: string }).file}.mv.db`).size);
    row['act_hi_procinst'] = await camunda.count('history/process-instance');
    row['act_hi_actinst'] = await camunda.count('history/activity-instance');
    row['act_ru_execution'] = await camunda.count('execution');
    row['act_ru_variable'] = await camunda.count('variable-instance');
    row['act_ru_job'] = await camunda.count('job');
  }
  row['incidents'] = await camunda.count('incident');
  console.log(JSON.stringify(row));
  return row;
}

/** A stop can collide with the loop's own transaction (500, optimistic locking): try again. */
async function stopLoop(camunda: Camunda): Promise<void> {
  let stop = await camunda.correlate({ messageName: 'StopEchoLoop', businessKey: 'measure' });
  for (let attempt = 1; stop.status === 500 && attempt < 20; attempt++) {
    await sleep(100);
    stop = await camunda.correlate({ messageName: 'StopEchoLoop', businessKey: 'measure' });
  }
  if (stop.status !== 204) console.error(`stopping the loop answered ${stop.status}: ${JSON.stringify(stop.body)}`);
}

/** Triggers history cleanup now and waits until it has run (its job is rescheduled when done). */
async function runHistoryCleanup(camunda: Camunda): Promise<void> {
  const job = await camunda.expectOk<{ id: string } | null>('POST', '/history/cleanup?immediatelyDue=true');
  if (!job) return;
  for (let i = 0; i < 600; i++) {
    const [current] = await camunda.jobs({ jobId: job.id });
    if (!current || (current.dueDate && Date.parse(current.dueDate) > Date.now())) return;
    await sleep(500);
  }
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function printTable(rows: Row[]): void {
  const columns = Object.keys(rows[rows.length - 1]);
  console.log(`\n| ${columns.join(' | ')} |`);
  console.log(`| ${columns.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${columns.map((c) => String(row[c] ?? '')).join(' | ')} |`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
