/**
 * One benchmark run: one local stack on PostgreSQL, then, per pattern, each loop count for a measured
 * window, and an idle window with no loops, all on the same engine. The engine runs at the deployed
 * HISTORY_LEVEL none unless --history says otherwise: round trips and their steps come from the echo
 * function's log lines and the pull worker's completes (round-trips.ts), the engine's cost from its
 * process (/proc). Patterns run in the order given, each with its own worker or relay, started before
 * its steps and stopped after its idle window, so no pattern's worker takes another's tasks.
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

import type { CamundaRest } from '../local/camunda-rest';
import { percentiles } from '../local/deliveries';
import { LOCAL_ENGINE_SETTINGS, startLocalStack, type LocalStack } from '../local/stack';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { pushBreakdown } from './history-breakdown';
import { completedInstances, cpuSeconds, RssSampler } from './measure';
import { cpuMsPerRoundTrip, cpuSnapshot } from './process-cpu';
import type { BenchOptions, Pattern } from './options';
import { deployPullProcesses } from './pull/processes';
import { startPullWorker, type PullWorker } from './pull/worker';
import { measureRelayHop, type RelayHop } from './push-relay/hop';
import { relaySplit } from './push-relay/split';
import { startRelayPattern, type RelayPattern } from './push-relay/pattern';
import { countSince, startCounting } from './statements';
import { round, stepResult, type BreakdownRow, type IdleResult, type StepResult } from './results';
import { partMedians, periodsWithin, publishToStoredP50, replyOf, type ReplyLine } from './round-trips';

export const BENCH_FOLDER = resolve(__dirname, '..', '.local', 'bench');

export interface ColdStart {
  /** Engine process start to its first 200 from /ready. */
  readonly engineReadyMs: number;
  /** Engine process start to the first push reply stored (function, topics and first loop in between). */
  readonly firstRoundTripMs: number;
}

/** The push relay's own figures over the whole push-relay pattern. */
export interface RelayFigures {
  readonly concurrency: number;
  readonly acked: number;
  readonly nacked: number;
  readonly mostInFlight: number;
  /** From the message's publish time to the relay holding it, p50 (the broker's part). */
  readonly receivedAfterPublishP50Ms: number | null;
  /** The POST to the function, p50 (the function's part, its reply call included). */
  readonly postP50Ms: number | null;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly options: BenchOptions;
  readonly engineSettings: Readonly<Record<string, string>>;
  readonly machine: { cpus: number; loadAverageAtStart: number[] };
  readonly coldStart: ColdStart;
  /** The engines' CPU at rest, ms per second, after the JIT warm-up (engineCpuMsPerRoundTripAboveIdle subtracts it). */
  readonly engineIdleCpuMsPerSecond: number | null;
  readonly steps: StepResult[];
  readonly idle: IdleResult[];
  /** With --history activity: the median PushTask's time line from the history; empty otherwise. */
  readonly breakdown: BreakdownRow[];
  /** The broker's own hop through the relay (push-relay only). */
  readonly relayHop: RelayHop | null;
  readonly relayHopP50Ms: number | null;
  /**
   * What the engine and the function add to the broker at 1 loop (push-relay), read per round trip: from
   * the relay receiving a loop's message to the broker accepting its next (bench/push-relay/split.ts).
   */
  readonly relayAddedP50Ms: number | null;
  readonly relay: RelayFigures | null;
  /** Per engine (in order of joining), the requests the front routed to it over the whole run. */
  readonly engines: ReadonlyArray<{ readonly port: number; readonly requestsAnswered: number }>;
}

const LOOP_PROCESS: Record<Pattern, { loop: string; echo: string; stop: string }> = {
  push: { loop: 'EchoLoop', echo: 'PushTask', stop: 'StopEchoLoop' },
  'push-relay': { loop: 'EchoLoop', echo: 'PushTask', stop: 'StopEchoLoop' },
  'pull-default': { loop: 'EchoPullLoop', echo: 'EchoPull', stop: 'StopEchoPullLoop' },
  'pull-long': { loop: 'EchoPullLoop', echo: 'EchoPull', stop: 'StopEchoPullLoop' },
};

const HOP_SECONDS = 10;
const IDLE_CPU_SECONDS = 5;
/** Before a push pattern's idle window: this long without a request to the engine, waited for at most QUIET_WAIT_MS. */
const QUIET_MS = 3000;
const QUIET_WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export async function runBench(
  options: BenchOptions,
  status: (message: string) => void,
  runFolder = join(BENCH_FOLDER, 'run'),
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((l) => round(l, 2));
  const engineSettings = { HISTORY_LEVEL: options.history, ...options.engineSettings };
  let proxy: CountingProxy | undefined;
  let engineStartAt = 0;
  const stack = await startLocalStack({
    runFolder,
    database: { type: 'postgres', statementStats: true },
    engineSettings,
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
  const replies: ReplyLine[] = [];
  stack.onDelivery((line) => {
    const reply = replyOf(line, Date.now());
    if (reply) replies.push(reply);
  });
  try {
    const coldStart = await measureColdStart(stack, engineStartAt, replies);
    status(
      `cold start: engine ready after ${coldStart.engineReadyMs} ms, first round trip after ${coldStart.firstRoundTripMs} ms`,
    );
    for (let joined = 1; joined < options.engines; joined += 1) {
      status(`engine ${joined + 1} of ${options.engines}: joining on the same database, behind the front`);
      await stack.addEngine();
    }
    await deployPullProcesses(stack.rest);
    const run = new PatternRuns(stack, proxy!, options, replies, status);
    if (options.jitWarmupSeconds > 0) await run.warmUp();
    run.idleCpuMsPerSecond = await idleCpuMsPerSecond(stack, status);
    for (const pattern of options.patterns) await run.pattern(pattern);
    const oneLoop = run.steps.find((s) => s.pattern === 'push-relay' && s.loops === 1);
    return {
      startedAt,
      options,
      engineSettings: { ...LOCAL_ENGINE_SETTINGS, ...engineSettings },
      machine: { cpus: cpus().length, loadAverageAtStart },
      coldStart,
      engineIdleCpuMsPerSecond: run.idleCpuMsPerSecond,
      steps: run.steps,
      idle: run.idle,
      breakdown: run.breakdown,
      relayHop: run.relayHop,
      relayHopP50Ms: run.relayHop?.p50 ?? null,
      relayAddedP50Ms: oneLoop?.relaySplit?.engineAndFunctionP50Ms ?? null,
      relay: run.relayFigures,
      engines: stack.runningEngines.map((engine) => ({
        port: engine.port,
        requestsAnswered: stack.requestsAnsweredBy(engine),
      })),
    };
  } finally {
    await stack.stop();
    await proxy?.close();
  }
}

async function measureColdStart(stack: LocalStack, engineStartAt: number, replies: readonly ReplyLine[]) {
  await stack.startLoops(['cold-start']);
  let first: ReplyLine | undefined;
  while (!first) {
    first = replies.find((r) => r.loop === 'cold-start');
    if (!first) await sleep(20);
  }
  await stack.stopLoops(['cold-start']);
  return { engineReadyMs: stack.engine.startupMs, firstRoundTripMs: first.at - engineStartAt };
}

/** The patterns of one run, one after the other, and what they measured. */
class PatternRuns {
  readonly steps: StepResult[] = [];
  readonly idle: IdleResult[] = [];
  breakdown: BreakdownRow[] = [];
  relayHop: RelayHop | null = null;
  relayFigures: RelayFigures | null = null;
  /** The engines' CPU with no loops running, ms per second: each step's figure above idle subtracts it. */
  idleCpuMsPerSecond: number | null = null;

  constructor(
    private readonly stack: LocalStack,
    private readonly proxy: CountingProxy,
    private readonly options: BenchOptions,
    private readonly replies: ReplyLine[],
    private readonly status: (message: string) => void,
  ) {}

  /**
   * Every pattern at 10 loops, unmeasured: the JIT compiles the engine's paths of all of them before the
   * first step, so that no pattern pays for the compiler because it comes first.
   */
  async warmUp(): Promise<void> {
    const { options, status } = this;
    for (const pattern of options.patterns) {
      status(`${pattern}: JIT warm-up, 10 loops for ${options.jitWarmupSeconds} s (not measured)`);
      await this.withClients(pattern, 'warm-up', async (topic) => {
        const names = await this.startLoops(pattern, 'warm-up', 10, topic);
        await sleep(options.jitWarmupSeconds * 1000);
        await stopLoops(this.stack.rest, LOOP_PROCESS[pattern].loop, LOOP_PROCESS[pattern].stop, names);
      });
    }
  }

  async pattern(pattern: Pattern): Promise<void> {
    const { options, status } = this;
    if (pattern === 'push-relay') {
      status(`push-relay: the relay's own hop to a 204 endpoint, ${HOP_SECONDS} s`);
      this.relayHop = await measureRelayHop(this.stack.emulator, HOP_SECONDS, options.relayConcurrency);
      status(`push-relay: hop p50 ${this.relayHop.p50} ms, p99 ${this.relayHop.p99} ms`);
    }
    await this.withClients(pattern, undefined, async (topic, relay) => {
      for (const loops of options.loops) {
        status(
          `${pattern}: ${loops} loop(s), ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured`,
        );
        const result = await this.step(pattern, loops, topic, relay);
        this.steps.push(result);
        status(
          `${pattern}: ${loops} loop(s): ${result.perSecond}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (load ${result.loadAverage})`,
        );
      }
      if (options.idleSeconds > 0) this.idle.push(await this.idleWindow(pattern));
    });
  }

  /** Runs `body` with the pattern's clients: the pull worker, or the push relay on a topic of its own. */
  private async withClients(
    pattern: Pattern,
    use: string | undefined,
    body: (topic: string, relay?: RelayPattern) => Promise<void>,
  ): Promise<void> {
    let worker: PullWorker | undefined;
    let relay: RelayPattern | undefined;
    if (pattern.startsWith('pull')) {
      const settings = pattern === 'pull-default' ? 'default' : 'long';
      worker = startPullWorker(`${this.proxy.url}/engine-rest`, settings, (line) => this.replies.push(line));
    }
    if (pattern === 'push-relay') relay = await startRelayPattern(this.stack, this.options.relayConcurrency, use);
    try {
      await body(relay?.topic ?? this.stack.topic, relay);
    } finally {
      worker?.stop();
      await relay?.stop();
    }
    if (worker && worker.errors > 0) this.status(`${pattern}: the worker saw ${worker.errors} errors`);
    if (relay && use === undefined) this.relayFigures = relayFigures(relay, this.options.relayConcurrency);
  }

  private async startLoops(pattern: Pattern, label: string | number, loops: number, topic: string): Promise<string[]> {
    const { loop } = LOOP_PROCESS[pattern];
    const names = Array.from({ length: loops }, (_, i) => `${pattern}-${label}-${i + 1}`);
    for (const name of names) {
      await this.stack.rest.startProcess(loop, {
        businessKey: name,
        variables: {
          project: { value: this.stack.project, type: 'String' },
          topic: { value: topic, type: 'String' },
        },
      });
    }
    return names;
  }

  private async step(pattern: Pattern, loops: number, topic: string, relay?: RelayPattern): Promise<StepResult> {
    const { stack, options } = this;
    const { loop, stop } = LOOP_PROCESS[pattern];
    const names = await this.startLoops(pattern, loops, loops, topic);
    await sleep(options.warmupSeconds * 1000);
    refreshPlannerStatistics(stack);
    // Every engine's CPU counts; RSS is the largest engine's peak (each is an instance of its own).
    const pids = stack.runningEngines.map((engine) => engine.child.process.pid!);
    const samplers = pids.map((pid) => new RssSampler(pid));
    const counting = startCounting(stack.postgres);
    const cpuBefore = sum(pids.map(cpuSeconds));
    const machineBefore = cpuSnapshot();
    const from = Date.now();
    await sleep(options.durationSeconds * 1000);
    const to = Date.now();
    const cpu = sum(pids.map(cpuSeconds)) - cpuBefore;
    const machineAfter = cpuSnapshot();
    const database = countSince(stack.postgres, counting);
    const peakRssMiB = Math.max(...samplers.map((sampler) => sampler.stop()));
    const load = loadavg()[0];
    await stopLoops(stack.rest, loop, stop, names);
    const own = new Set(names);
    const periods = periodsWithin(
      this.replies.filter((r) => own.has(r.loop)),
      from,
      to,
    );
    if (options.history === 'activity' && !pattern.startsWith('pull') && this.breakdown.length === 0) {
      this.breakdown = await pushBreakdown(stack.rest, await completedInstances(stack.rest, 'PushTask', from, to));
    }
    const details = {
      parts: partMedians(periods),
      publishToStoredP50Ms: publishToStoredP50(periods),
      cpuMsPerRoundTripByProcess: cpuMsPerRoundTrip(machineBefore, machineAfter, periods.length),
      ...(relay ? { relaySplit: relaySplit(relay.deliveries, own, from, to) } : {}),
    };
    const durations = periods.map((p) => p.periodMs);
    const engine = { cpuSeconds: cpu, peakRssMiB, idleCpuMsPerSecond: this.idleCpuMsPerSecond, database };
    return stepResult(pattern, loops, (to - from) / 1000, durations, engine, load, details);
  }

  private async idleWindow(pattern: Pattern): Promise<IdleResult> {
    const seconds = this.options.idleSeconds;
    this.status(`${pattern}: counting requests to the engine over ${seconds} idle seconds`);
    // Let the stopped loops' last replies pass: with push, also a reply redelivered after it met the stop.
    if (LOOP_PROCESS[pattern].echo === 'PushTask') await untilQuiet(this.proxy, QUIET_MS, QUIET_WAIT_MS);
    else await sleep(1000);
    this.proxy.reset();
    await sleep(seconds * 1000);
    const requests = this.proxy.count;
    return {
      pattern,
      windowSeconds: seconds,
      requests,
      requestsPerMinute: round((requests * 60) / seconds, 1),
      byPath: Object.fromEntries(this.proxy.byPath),
    };
  }
}

function relayFigures(relay: RelayPattern, concurrency: number): RelayFigures {
  const { acked, nacked, mostInFlight } = relay.relay.counts;
  const p50 = (values: number[]) => percentiles(values.map((v) => Math.round(v * 10) / 10)).p50;
  return {
    concurrency,
    acked,
    nacked,
    mostInFlight,
    receivedAfterPublishP50Ms: p50(relay.deliveries.map((d) => d.receivedAfterPublishMs)),
    postP50Ms: p50(relay.deliveries.map((d) => d.postMs)),
  };
}

/** Returns once the proxy has passed no request for `quietMs`, or after `withinMs` whatever came. */
async function untilQuiet(proxy: CountingProxy, quietMs: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let seen = proxy.count;
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await sleep(100);
    if (proxy.count !== seen) {
      seen = proxy.count;
      quietSince = Date.now();
    }
  }
}

/** The engines' CPU with no loop running, over a few seconds once the last loops' replies have passed. */
async function idleCpuMsPerSecond(stack: LocalStack, status: (message: string) => void): Promise<number> {
  await sleep(2000);
  const pids = stack.runningEngines.map((engine) => engine.child.process.pid!);
  const before = sum(pids.map(cpuSeconds));
  const from = Date.now();
  await sleep(IDLE_CPU_SECONDS * 1000);
  const rate = round(((sum(pids.map(cpuSeconds)) - before) * 1000 * 1000) / (Date.now() - from), 1);
  status(`engine CPU at rest: ${rate} ms per second`);
  return rate;
}

/**
 * ANALYZE after each warm-up, as autovacuum does within its first minute of churn on a running engine.
 * The stack's database is new: until then PostgreSQL plans with the statistics of empty tables, and the
 * message correlation's query scans every variable (about 4 ms instead of 0.13 ms at 10 loops), which
 * would weigh on whichever pattern runs first.
 */
function refreshPlannerStatistics(stack: LocalStack): void {
  stack.postgres?.query('ANALYZE');
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
