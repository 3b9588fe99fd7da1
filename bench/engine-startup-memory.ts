/**
 * Engine figures for issue 2: time from JVM start to /ready on H2 and on PostgreSQL, and resident memory
 * at rest and under load, with the heap a 1 GiB Cloud Run instance gives it.
 *
 *   npx tsx bench/engine-startup-memory.ts [--runs 3] [--requests 2000] [--concurrency 10] [--json]
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, printJsonLine, runCli, wantsHelp, wholeNumber } from '../devkit/cli';
import { CamundaRest } from '../local/camunda-rest';
import { startEngine, type EngineDatabase } from '../local/engine';
import { startPostgres } from '../local/postgres';

const HELP = 'usage: npm run bench:engine -- [--runs 3] [--requests 2000] [--concurrency 10] [--json]';

interface Settings {
  readonly runs: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly json: boolean;
}

function parse(argv: string[]): Settings | 'help' {
  if (wantsHelp(argv)) return 'help';
  const values = parseOptions(argv, {
    runs: { type: 'string', default: '3' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  });
  return {
    runs: wholeNumber('--runs', values.runs, 1, 100),
    requests: wholeNumber('--requests', values.requests, 1, 1_000_000),
    concurrency: wholeNumber('--concurrency', values.concurrency, 1, 1_000),
    json: values.json,
  };
}

/** A process that does a little of everything an echo iteration does: a Groovy script, Spin, an async job. */
const LOAD_PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_Load" targetNamespace="http://camunda-serverless/bench">
  <bpmn:process id="MemoryLoad" isExecutable="true">
    <bpmn:startEvent id="StartEvent_Started" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_Started" targetRef="Activity_Script" />
    <bpmn:scriptTask id="Activity_Script" scriptFormat="groovy" camunda:asyncBefore="true">
      <bpmn:script>execution.setVariable('body', S('{"n":' + new Random().nextInt() + '}').toString())</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_Script" targetRef="EndEvent_Done" />
    <bpmn:endEvent id="EndEvent_Done" />
  </bpmn:process>
</bpmn:definitions>`;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kib / 1024);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startupTimes(
  runs: number,
  database: () => Promise<{ db?: EngineDatabase; cleanup: () => Promise<void> }>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
    const { db, cleanup } = await database();
    const engine = await startEngine({ dataDir, database: db });
    times.push(engine.startupMs);
    await engine.stop();
    await cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return times;
}

async function memory({
  requests,
  concurrency,
}: Settings): Promise<{ restMiB: number; peakMiB: number; loadSeconds: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  const postgres = await startPostgres();
  const engine = await startEngine({
    dataDir,
    database: { type: 'postgres', url: postgres.jdbcUrl, user: postgres.user, password: postgres.password },
    settings: { JOB_ACQUISITION_WAIT_MS: '100', JOB_MAX_WAIT_MS: '500' },
  });
  const pid = engine.child.process.pid!;
  const rest = new CamundaRest(engine.restUrl);
  await rest.deploy('bench', { 'MemoryLoad.bpmn': LOAD_PROCESS });
  await new Promise((r) => setTimeout(r, 10_000)); // at rest: after start-up has settled
  const restMiB = rssMiB(pid);

  let peakMiB = restMiB;
  const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, rssMiB(pid))), 200);
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        await rest.startProcess('MemoryLoad');
      }
    }),
  );
  while ((await rest.count('job', { processDefinitionKey: 'MemoryLoad' })) > 0)
    await new Promise((r) => setTimeout(r, 200));
  const loadSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  peakMiB = Math.max(peakMiB, rssMiB(pid));

  await engine.stop();
  await postgres.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  return { restMiB, peakMiB, loadSeconds };
}

async function main(settings: Settings): Promise<number> {
  const { runs, requests, concurrency } = settings;
  const h2 = await startupTimes(runs, async () => ({ cleanup: async () => undefined }));
  const postgres = await startupTimes(runs, async () => {
    const pg = await startPostgres();
    return {
      db: { type: 'postgres', url: pg.jdbcUrl, user: pg.user, password: pg.password },
      cleanup: () => pg.destroy(),
    };
  });
  const rss = await memory(settings);

  const report = {
    startupMs: { h2: { median: median(h2), runs: h2 }, postgres: { median: median(postgres), runs: postgres } },
    rssMiB: { atRest: rss.restMiB, underLoadPeak: rss.peakMiB },
    load: { processInstances: requests, concurrency, seconds: rss.loadSeconds },
  };
  console.log(`start-up to /ready, H2:         median ${median(h2)} ms  (runs: ${h2.join(', ')})`);
  console.log(`start-up to /ready, PostgreSQL: median ${median(postgres)} ms  (runs: ${postgres.join(', ')})`);
  console.log(`resident memory at rest:        ${rss.restMiB} MiB`);
  console.log(
    `resident memory under load:     ${rss.peakMiB} MiB peak (${requests} instances, ${concurrency} at a time, ${rss.loadSeconds.toFixed(1)} s)`,
  );
  if (settings.json) printJsonLine(report);
  return 0;
}

void runCli({ name: 'bench:engine', help: HELP, parse, run: main });
