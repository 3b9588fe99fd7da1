/**
 * One benchmark run: one local stack on PostgreSQL, then, per pattern, each loop count for a measured
 * window, and an idle window with no loops, all on the same engine. Push steps run first, then pull
 * with default settings, then pull with long polling: one worker per pull pattern, started before its
 * steps and stopped after its idle window, so no worker of one pattern ever takes another's tasks.
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

import { CamundaRest } from '../local/camunda-rest';
import type { DeliveryLine } from '../local/deliveries';
import { LOCAL_ENGINE_SETTINGS, startLocalStack, type LocalStack } from '../local/stack';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { completedInstances, cpuSeconds, RssSampler, type HistoricInstance } from './measure';
import type { BenchOptions, Pattern } from './options';
import { deployPullProcesses } from './pull/processes';
import { startPullWorker } from './pull/worker';
import { round, stepResult, type BreakdownRow, type IdleResult, type StepResult } from './results';

export const BENCH_FOLDER = resolve(__dirname, '..', '.local', 'bench');

/**
 * Engine settings of the benchmark over the local stack's: only what a benchmark needs beyond a
 * local run. Settings that are right on Cloud Run too are engine defaults (docker/camunda/README.md).
 */
export const BENCH_ENGINE_SETTINGS: Readonly<Record<string, string>> = {
  // Round trips and the time line are read from the engine's history, which is off by default.
  HISTORY_LEVEL: 'activity',
};

export interface ColdStart {
  /** Engine process start to its first 200 from /ready. */
  readonly engineReadyMs: number;
  /** Engine process start to the first completed push round trip (function, topics and first loop in between). */
  readonly firstRoundTripMs: number;
}

export interface PushTiming {
  /** Median over the 1-loop push step of the function's own figures (echo-function/README.md). */
  readonly publishToCorrelatedMs: number | null;
  readonly correlationCallMs: number | null;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly options: BenchOptions;
  readonly engineSettings: Readonly<Record<string, string>>;
  readonly machine: { cpus: number; loadAverageAtStart: number[] };
  readonly coldStart: ColdStart;
  readonly steps: StepResult[];
  readonly idle: IdleResult[];
  readonly breakdown: BreakdownRow[];
  readonly pushTiming: PushTiming;
}

const PROCESS_OF: Record<Pattern, { loop: string; echo: string; stop: string }> = {
  push: { loop: 'EchoLoop', echo: 'PushTask', stop: 'StopEchoLoop' },
  'pull-default': { loop: 'EchoPullLoop', echo: 'EchoPull', stop: 'StopEchoPullLoop' },
  'pull-long': { loop: 'EchoPullLoop', echo: 'EchoPull', stop: 'StopEchoPullLoop' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runBench(
  options: BenchOptions,
  status: (message: string) => void,
  runFolder = join(BENCH_FOLDER, 'run'),
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((l) => round(l, 2));
  let proxy: CountingProxy | undefined;
  let engineStartAt = 0;
  const stack = await startLocalStack({
    runFolder,
    database: { type: 'postgres' },
    engineSettings: { ...BENCH_ENGINE_SETTINGS, ...options.engineSettings },
    onStatus: (message) => {
      if (message.startsWith('starting the engine')) engineStartAt = Date.now();
      status(message);
    },
    between: {
      functionAndEngine: async (engineUrl) => {
        proxy = await startCountingProxy(engineUrl);
        return proxy.url;
      },
    },
  });
  const deliveries: DeliveryLine[] = [];
  stack.echoFunction.onDelivery((line) => deliveries.push(line));
  try {
    const counting = proxy!;
    const rest = stack.rest;
    const coldStart = await measureColdStart(stack, engineStartAt);
    status(
      `cold start: engine ready after ${coldStart.engineReadyMs} ms, first round trip after ${coldStart.firstRoundTripMs} ms`,
    );
    await deployPullProcesses(rest);

    const steps: StepResult[] = [];
    const idle: IdleResult[] = [];
    let breakdown: BreakdownRow[] = [];
    let pushTiming: PushTiming = { publishToCorrelatedMs: null, correlationCallMs: null };
    for (const pattern of options.patterns) {
      const worker =
        pattern === 'push'
          ? undefined
          : startPullWorker(`${counting.url}/engine-rest`, pattern === 'pull-default' ? 'default' : 'long');
      try {
        for (const loops of options.loops) {
          status(
            `${pattern}: ${loops} loop(s), ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured`,
          );
          const deliveredBefore = deliveries.length;
          const { result, instances } = await runStep(stack, pattern, loops, options);
          steps.push(result);
          status(
            `${pattern}: ${loops} loop(s): ${result.perSecond}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (load ${result.loadAverage})`,
          );
          if (pattern === 'push' && loops === Math.min(...options.loops)) {
            breakdown = await pushBreakdown(rest, instances);
            pushTiming = medianTiming(deliveries.slice(deliveredBefore));
          }
        }
        if (options.idleSeconds > 0) idle.push(await idleWindow(pattern, counting, options.idleSeconds, status));
      } finally {
        worker?.stop();
      }
      if (worker && worker.errors > 0) status(`${pattern}: the worker saw ${worker.errors} errors`);
    }
    return {
      startedAt,
      options,
      engineSettings: { ...LOCAL_ENGINE_SETTINGS, ...BENCH_ENGINE_SETTINGS, ...options.engineSettings },
      machine: { cpus: cpus().length, loadAverageAtStart },
      coldStart,
      steps,
      idle,
      breakdown,
      pushTiming,
    };
  } finally {
    await stack.stop();
    await proxy?.close();
  }
}

async function measureColdStart(stack: LocalStack, engineStartAt: number): Promise<ColdStart> {
  await stack.startLoops(['cold-start']);
  let first: HistoricInstance | undefined;
  while (!first) {
    [first] = await completedInstances(stack.rest, PROCESS_OF.push.echo, engineStartAt - 1000, Date.now() + 60_000);
    if (!first) await sleep(20);
  }
  await stack.stopLoops(['cold-start']);
  return {
    engineReadyMs: stack.engine.startupMs,
    firstRoundTripMs: Date.parse(first.endTime!) - engineStartAt,
  };
}

async function runStep(stack: LocalStack, pattern: Pattern, loops: number, options: BenchOptions) {
  const { loop, echo, stop } = PROCESS_OF[pattern];
  const names = Array.from({ length: loops }, (_, i) => `${pattern}-${loops}-${i + 1}`);
  for (const name of names) {
    await stack.rest.startProcess(loop, {
      businessKey: name,
      variables: { project: { value: stack.project, type: 'String' }, topic: { value: stack.topic, type: 'String' } },
    });
  }
  await sleep(options.warmupSeconds * 1000);
  const pid = stack.engine.child.process.pid!;
  const rss = new RssSampler(pid);
  const cpuBefore = cpuSeconds(pid);
  const from = Date.now();
  await sleep(options.durationSeconds * 1000);
  const to = Date.now();
  const cpu = cpuSeconds(pid) - cpuBefore;
  const peakRssMiB = rss.stop();
  const load = loadavg()[0];
  await stopLoops(stack.rest, loop, stop, names);
  const instances = await completedInstances(stack.rest, echo, from, to);
  const durations = instances.map((instance) => instance.durationInMillis ?? 0);
  return {
    result: stepResult(pattern, loops, (to - from) / 1000, durations, { cpuSeconds: cpu, peakRssMiB }, load),
    instances,
  };
}

/** Stops loops by their stop message; a stop meeting the loop mid-step fails (500) and is retried. */
async function stopLoops(
  rest: CamundaRest,
  loopKey: string,
  messageName: string,
  names: readonly string[],
): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const answer = await rest.correlate({ messageName, businessKey: name });
        if (answer.status === 204) return;
        if ((await rest.count('process-instance', { processDefinitionKey: loopKey, businessKey: name })) === 0) return;
        await sleep(50);
      }
      throw new Error(`could not stop ${loopKey} ${name}`);
    }),
  );
}

async function idleWindow(
  pattern: Pattern,
  proxy: CountingProxy,
  seconds: number,
  status: (message: string) => void,
): Promise<IdleResult> {
  status(`${pattern}: counting requests to the engine over ${seconds} idle seconds`);
  await sleep(1000); // let the last replies of the steps pass
  proxy.reset();
  await sleep(seconds * 1000);
  const requests = proxy.count;
  return {
    pattern,
    windowSeconds: seconds,
    requests,
    requestsPerMinute: round((requests * 60) / seconds, 1),
    byPath: Object.fromEntries(proxy.byPath),
  };
}

/**
 * Where the time of one push round trip goes: every activity of the median PushTask instance and of the
 * processes it called (PubsubPublish, FetchToken, Http), from the engine's history, on one time line.
 */
async function pushBreakdown(rest: CamundaRest, instances: readonly HistoricInstance[]): Promise<BreakdownRow[]> {
  if (instances.length === 0) return [];
  const sorted = [...instances].sort((a, b) => (a.durationInMillis ?? 0) - (b.durationInMillis ?? 0));
  const median = sorted[Math.floor(sorted.length / 2)];
  const echoStart = Date.parse(median.startTime);
  const rows: BreakdownRow[] = [];
  const visit = async (instance: { id: string; processDefinitionKey: string }) => {
    const activities = await rest.expectOk<
      Array<{ activityId: string; activityType: string; startTime: string; endTime: string | null }>
    >('GET', `/history/activity-instance?processInstanceId=${instance.id}&sortBy=startTime&sortOrder=asc`);
    for (const activity of activities) {
      const start = Date.parse(activity.startTime);
      rows.push({
        what: `${instance.processDefinitionKey}/${activity.activityId}`,
        type: activity.activityType,
        startMs: start - echoStart,
        durationMs: activity.endTime ? Date.parse(activity.endTime) - start : -1,
      });
    }
    const children = await rest.expectOk<Array<{ id: string; processDefinitionKey: string }>>(
      'GET',
      `/history/process-instance?superProcessInstanceId=${instance.id}`,
    );
    for (const child of children) await visit(child);
  };
  await visit(median);
  rows.push({
    what: 'PushTask (whole round trip)',
    type: 'process',
    startMs: 0,
    durationMs: median.durationInMillis ?? -1,
  });
  return rows.sort((a, b) => a.startMs - b.startMs || b.durationMs - a.durationMs);
}

function medianTiming(lines: readonly DeliveryLine[]): PushTiming {
  const delivered = lines.filter((line) => line.outcome === 'completed');
  const median = (values: number[]) =>
    values.length ? values.sort((a, b) => a - b)[Math.floor(values.length / 2)] : null;
  return {
    publishToCorrelatedMs: median(
      delivered.flatMap((line) => (typeof line.roundTripMs === 'number' ? [line.roundTripMs] : [])),
    ),
    correlationCallMs: median(delivered.flatMap((line) => (typeof line.engineMs === 'number' ? [line.engineMs] : []))),
  };
}
