/**
 * Watches echo loops through the engine's REST API, the way the article's "echo loop monitor" does:
 * every sample reads, for all loops at once, the active PushTask instances per loop (an EchoLoop's
 * round trip: business key = loop name) and each loop's iteration counter. A loop is
 *   - multiplied when a sample sees more than one active PushTask for it (or more than one EchoLoop
 *     of its name): the causal chain forked;
 *   - broken when its iteration counter has not moved for `stallMs`, or its EchoLoop instance is gone:
 *     the causal chain stopped.
 * Both are latched: once seen, the run reports them, whatever happens later.
 *
 * Each sample is one consistent read per query (a single SELECT), so a sample never sees a PushTask
 * twice; the loop's counter and the PushTask list come from two queries, which is harmless here.
 * ("Echo" in the names below is that round trip: the loop's PushTask instance.)
 */
import type { CamundaRest } from './camunda-rest';

/** The process EchoLoop calls for each iteration: one instance per loop at any time, business key = loop. */
export const ECHO_PROCESS_KEY = 'PushTask';

export interface LoopState {
  readonly name: string;
  /** Iterations completed: the loop's `iteration` counter names the one in flight. */
  iterations: number;
  /** The most active PushTask instances of the loop one sample saw (1 in a healthy loop). */
  maxActiveEcho: number;
  /** The fewest: 0 means a sample found the loop between two, which a healthy loop never shows. */
  minActiveEcho: number;
  lastProgressAt: number;
  broken: boolean;
  multiplied: boolean;
  /** Why the loop is broken or multiplied, as first seen. */
  problem?: string;
}

export interface MonitorTotals {
  readonly samples: number;
  /** Samples whose REST calls failed (the engine was busy or gone). */
  readonly failedSamples: number;
  readonly incidents: number;
  /** Failed job executions seen (sampled: a job that fails and succeeds between two samples is missed). */
  readonly failedJobs: number;
  readonly deadLettered: number;
}

export interface LoopMonitorOptions {
  readonly rest: CamundaRest;
  /** A loop is broken after this long without a new iteration. */
  readonly stallMs: number;
  readonly sampleEveryMs?: number;
  /** Incidents, failed jobs and dead letters are read every this many samples (they are slower to matter). */
  readonly slowSampleEvery?: number;
  /** Moves dead-lettered messages somewhere safe and returns how many it moved. */
  readonly drainDeadLetters?: () => Promise<number>;
  readonly now?: () => number;
}

interface Instance {
  id: string;
  businessKey: string | null;
}

export class LoopMonitor {
  readonly loops = new Map<string, LoopState>();
  private readonly loopInstanceIds = new Map<string, string>();
  private readonly seenJobFailures = new Set<string>();
  private totals = { samples: 0, failedSamples: 0, incidents: 0, failedJobs: 0, deadLettered: 0 };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly options: LoopMonitorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts watching a loop (its EchoLoop instance was started just now). */
  watch(name: string, loopInstanceId: string): void {
    this.loopInstanceIds.set(name, loopInstanceId);
    this.loops.set(name, {
      name,
      iterations: 0,
      maxActiveEcho: 0,
      minActiveEcho: Number.POSITIVE_INFINITY,
      lastProgressAt: this.now(),
      broken: false,
      multiplied: false,
    });
  }

  get totalsSoFar(): MonitorTotals {
    return { ...this.totals };
  }

  get iterations(): number {
    return [...this.loops.values()].reduce((sum, loop) => sum + loop.iterations, 0);
  }

  get broken(): boolean {
    return [...this.loops.values()].some((loop) => loop.broken);
  }

  get multiplied(): boolean {
    return [...this.loops.values()].some((loop) => loop.multiplied);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const every = this.options.sampleEveryMs ?? 500;
    const next = () => {
      if (this.stopped) return;
      this.running = this.sample().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(next, every);
      });
    };
    next();
  }

  /** Stops sampling, after one last sample so the summary counts everything up to now. */
  async stop(options: { finalSample?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (options.finalSample !== false) await this.sample({ slow: true });
  }

  /** One sample: the PushTask instances and iteration counters of every loop, sometimes more. */
  async sample(options: { slow?: boolean } = {}): Promise<void> {
    if (this.loops.size === 0) return;
    const rest = this.options.rest;
    this.totals.samples += 1;
    const slow = options.slow || this.totals.samples % (this.options.slowSampleEvery ?? 4) === 1;
    try {
      const [echos, loopInstances, counters] = await Promise.all([
        rest.expectOk<Instance[]>('GET', `/process-instance?processDefinitionKey=${ECHO_PROCESS_KEY}`),
        rest.expectOk<Instance[]>('GET', '/process-instance?processDefinitionKey=EchoLoop'),
        rest.expectOk<Array<{ processInstanceId: string; value: unknown }>>(
          'GET',
          `/variable-instance?variableName=iteration&processInstanceIdIn=${[...this.loopInstanceIds.values()].join(',')}&deserializeValues=false`,
        ),
      ]);
      this.judge(echos, loopInstances, counters);
      if (slow) await this.sampleSlowFigures();
    } catch {
      this.totals.failedSamples += 1;
      // A failed sample shows no progress: a loop that stays unobservable for stallMs counts as broken.
      this.checkStalls();
    }
  }

  private judge(
    echos: Instance[],
    loopInstances: Instance[],
    counters: Array<{ processInstanceId: string; value: unknown }>,
  ): void {
    const now = this.now();
    for (const loop of this.loops.values()) {
      const active = echos.filter((echo) => echo.businessKey === loop.name).length;
      loop.maxActiveEcho = Math.max(loop.maxActiveEcho, active);
      loop.minActiveEcho = Math.min(loop.minActiveEcho, active);
      if (active > 1) this.flag(loop, 'multiplied', `${active} active ${ECHO_PROCESS_KEY} instances at once`);
      const loopsOfName = loopInstances.filter((instance) => instance.businessKey === loop.name);
      if (loopsOfName.length > 1) this.flag(loop, 'multiplied', `${loopsOfName.length} EchoLoop instances of one name`);
      const id = this.loopInstanceIds.get(loop.name);
      if (!loopsOfName.some((instance) => instance.id === id)) {
        this.flag(loop, 'broken', 'its EchoLoop instance is gone');
        continue;
      }
      const counter = counters.find((variable) => variable.processInstanceId === id);
      const completed = typeof counter?.value === 'number' ? counter.value - 1 : undefined;
      if (completed !== undefined && completed > loop.iterations) {
        loop.iterations = completed;
        loop.lastProgressAt = now;
      }
    }
    this.checkStalls();
  }

  private checkStalls(): void {
    const now = this.now();
    for (const loop of this.loops.values()) {
      const stalledMs = now - loop.lastProgressAt;
      if (stalledMs > this.options.stallMs) {
        this.flag(
          loop,
          'broken',
          `no new iteration for ${Math.round(stalledMs / 1000)} s (after iteration ${loop.iterations})`,
        );
      }
    }
  }

  private flag(loop: LoopState, what: 'broken' | 'multiplied', why: string): void {
    if (loop[what]) return;
    loop[what] = true;
    loop.problem ??= `${what}: ${why}`;
  }

  private async sampleSlowFigures(): Promise<void> {
    const rest = this.options.rest;
    const [incidents, failing] = await Promise.all([
      rest.count('incident'),
      rest.expectOk<Array<{ id: string; retries: number }>>('GET', '/job?withException=true'),
    ]);
    this.totals.incidents = incidents;
    // A job's retries go down by one per failure: each (job, retries left) pair is one failure.
    for (const job of failing) this.seenJobFailures.add(`${job.id}/${job.retries}`);
    this.totals.failedJobs = this.seenJobFailures.size;
    if (this.options.drainDeadLetters) this.totals.deadLettered += await this.options.drainDeadLetters();
  }
}
