/**
 * One chaos run: the local stack on PostgreSQL with fault proxies between its parts, echo loops
 * turning, and faults injected on a seeded schedule until enough iterations turned and every fault
 * class hit often enough. Then the faults stop, every loop must turn again within its bound, the loops
 * are stopped, every message must settle, and the books are checked (accounting.ts).
 *
 *   engine --publish--> [publish proxy] --> emulator --push--> [push proxy] --> function --reply--> [engine proxy] --> engine
 *
 * `npm run chaos` (cli.ts) and the short test in test/chaos run it.
 */
import type { DeliveryLine } from '../local/deliveries';
import { LoopMonitor } from '../local/loop-monitor';
import type { RunningPostgres } from '../local/postgres';
import { startLocalStack, type LocalStack } from '../local/stack';
import { Ledger } from './accounting';
import { FaultInjector, TOPIC } from './injector';
import { RecoveryTracker } from './recovery';
import { Settlement } from './settlement';
import { databaseGrowth, describeFault, type ChaosReport, type DatabaseSize } from './report';
import { ENGINE_LOSS_FAULTS, FaultSchedule, STACK_FAULTS, type FaultClass } from './schedule';
import { CHAOS_SUBSCRIPTION, scaleToZeroDownMs, type ChaosSubscription } from './subscription';
import type { Timeline } from './timeline';

export { describeFault, type ChaosReport } from './report';

/**
 * Engine settings of a chaos run, over the local ones (local/stack.ts). The job lock time that decides
 * the recovery from an engine kill is the engine's default (docker/camunda/README.md), so the run
 * proves what is deployed. History is on, though the engine's default is none: the final books compare
 * the replies the engine accepted with the PushTask instances it completed, and only history remembers
 * completed instances. The database growth in the report is therefore the growth with history
 * (bpmn/README.md has it at the default level).
 */
export const CHAOS_ENGINE_SETTINGS: Readonly<Record<string, string>> = { HISTORY_LEVEL: 'activity' };

export interface ChaosOptions {
  readonly loops: number;
  /** Keep injecting until the loops completed this many iterations together ... */
  readonly iterations: number;
  /** ... and every class was injected at least this often. */
  readonly minFaultsPerClass: number;
  /** But stop injecting after this long whatever the counts (the run then fails if the counts fall short). */
  readonly maxDurationMs: number;
  readonly classes: readonly FaultClass[];
  readonly seed: number;
  readonly runFolder: string;
  /** Longest a loop may take to turn again after a fault (engine-kill has its own bound). */
  readonly recoveryBoundMs: number;
  /** Longest a loop may take to turn again after an engine kill. */
  readonly engineKillBoundMs: number;
  /** Engine settings over CHAOS_ENGINE_SETTINGS. */
  readonly engineSettings?: Readonly<Record<string, string>>;
  /** The push subscription's retry and dead-letter settings (default CHAOS_SUBSCRIPTION); scale-to-zero outlasts them. */
  readonly subscription?: ChaosSubscription;
  readonly onStatus?: (message: string) => void;
  /** Called about once a second while faults are injected. */
  readonly onProgress?: (progress: ChaosProgress) => void;
  /** Resolves when the run should stop injecting early (Ctrl-C). */
  readonly interrupted?: Promise<unknown>;
  /** Hears every accepted reply and the fault phase's start and end (for the HTML report). */
  readonly timeline?: Timeline;
}

export interface ChaosProgress {
  readonly elapsedMs: number;
  readonly iterations: number;
  readonly faults: number;
  readonly violations: number;
  readonly lastFault?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  return new ChaosRun(options).run();
}

/** What the final books found besides the ledger's violations. */
interface Books {
  readonly iterations: number;
  readonly incidents: number;
  readonly sizeAfter: DatabaseSize;
}

/**
 * One chaos run, step by step: start the stack behind the fault proxies, start and watch the loops,
 * inject faults until enough, wait for every loop to turn again, stop the loops and settle every
 * message, close the books and report. run() always stops the stack and the proxies.
 */
class ChaosRun {
  private readonly status: (message: string) => void;
  private readonly wallStart = Date.now();
  private readonly ledger = new Ledger();
  private readonly tracker = new RecoveryTracker();
  private readonly names: string[];
  private readonly engineSettings: Record<string, string>;
  private readonly subscription: ChaosSubscription;
  private readonly injector: FaultInjector;
  private readonly reportedMultiplied = new Set<string>();
  private interrupted = false;
  private stoppedBy = 'done';
  private faultStart = 0;
  private faultPhaseSeconds = 0;
  private stack!: LocalStack;
  private postgres!: RunningPostgres;
  private monitor!: LoopMonitor;

  constructor(private readonly options: ChaosOptions) {
    this.status = options.onStatus ?? (() => undefined);
    this.names = Array.from({ length: options.loops }, (_, i) => `loop-${i + 1}`);
    this.engineSettings = { ...CHAOS_ENGINE_SETTINGS, ...options.engineSettings };
    this.subscription = options.subscription ?? CHAOS_SUBSCRIPTION;
    this.injector = new FaultInjector({
      ledger: this.ledger,
      tracker: this.tracker,
      loops: this.names,
      recoveryBoundMs: options.recoveryBoundMs,
      engineKillBoundMs: options.engineKillBoundMs,
      deadLetterAfter: this.subscription.deadLetterAfter,
    });
  }

  async run(): Promise<ChaosReport> {
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({
        runFolder: this.options.runFolder,
        database: { type: 'postgres' },
        topic: TOPIC,
        engineSettings: this.engineSettings,
        retryPolicy: this.subscription.retryPolicy,
        maxDeliveryAttempts: this.subscription.maxDeliveryAttempts,
        onStatus: this.status,
        between: this.injector.between,
      });
      return await this.runOn(stack);
    } finally {
      await stack?.stop();
      await this.injector.close();
    }
  }

  private async runOn(stack: LocalStack): Promise<ChaosReport> {
    if (!stack.postgres) throw new Error('a chaos run needs the throwaway PostgreSQL server');
    this.stack = stack;
    this.postgres = stack.postgres;
    await this.startLoops();
    const sizeBefore = this.databaseSize();
    this.faultStart = Date.now();
    this.options.timeline?.faultsStarted();
    this.status(
      `${this.names.length} loops started; injecting ${this.options.classes.join(', ')} (seed ${this.options.seed})`,
    );
    void this.options.interrupted?.then(() => (this.interrupted = true));
    const ticker = setInterval(() => this.sample(), 1_000);
    try {
      await this.injectFaults();
      this.options.timeline?.faultsStopped();
      await this.awaitQuiet();
    } finally {
      clearInterval(ticker);
    }
    this.faultPhaseSeconds = (Date.now() - this.faultStart) / 1000;
    const books = await this.closeBooks();
    return this.report(sizeBefore, books);
  }

  /** Starts one loop per name and the monitor that samples them; every delivery goes to the books. */
  private async startLoops(): Promise<void> {
    this.monitor = new LoopMonitor({ rest: this.stack.rest, stallMs: 24 * 3_600_000, sampleEveryMs: 500 });
    this.stack.onDelivery((line: DeliveryLine) => {
      this.ledger.recordDelivery(line);
      this.options.timeline?.reply(line);
      if (line.outcome === 'completed' && line.loop !== undefined) this.tracker.delivered(line.loop);
    });
    for (const [name, id] of await this.stack.startLoops(this.names)) this.monitor.watch(name, id);
    this.monitor.start();
  }

  /** About once a second: multiplied loops and overdue recoveries become violations; progress is reported. */
  private sample(): void {
    const { ledger, monitor, tracker } = this;
    for (const loop of monitor.loops.values()) {
      if (loop.multiplied && !this.reportedMultiplied.has(loop.name)) {
        this.reportedMultiplied.add(loop.name);
        ledger.violate({
          what: 'multiplied',
          loop: loop.name,
          iteration: loop.iterations + 1,
          detail: loop.problem ?? 'multiplied',
        });
      }
    }
    for (const { fault, loops, waitedMs } of tracker.overdue()) {
      for (const loop of loops) {
        ledger.violate({
          what: 'stalled',
          loop,
          iteration: (monitor.loops.get(loop)?.iterations ?? 0) + 1,
          detail: `no reply accepted ${Math.round(waitedMs / 1000)} s after ${fault.index === 0 ? 'the faults stopped' : `fault #${fault.index} (${fault.faultClass})`}`,
        });
      }
    }
    this.options.onProgress?.({
      elapsedMs: Date.now() - this.faultStart,
      iterations: monitor.iterations,
      faults: tracker.faults.length,
      violations: ledger.violations.length,
      ...(tracker.faults.length > 0 ? { lastFault: tracker.faults[tracker.faults.length - 1].faultClass } : {}),
    });
  }

  /** Injects the scheduled faults until enough turned and hit, or something stops the run (stoppedBy). */
  private async injectFaults(): Promise<void> {
    const schedule = new FaultSchedule({
      seed: this.options.seed,
      classes: this.options.classes,
      scaleToZeroDownMs: scaleToZeroDownMs(this.subscription),
    });
    for (;;) {
      const stop = this.reasonToStop();
      if (stop !== undefined) {
        if (stop !== 'done') this.stoppedBy = stop;
        return;
      }
      const planned = schedule.next();
      await sleep(planned.gapMs);
      if (STACK_FAULTS.has(planned.faultClass)) {
        // One whole-stack fault at a time, on a stack that has recovered from everything before it.
        await this.settleRecoveries(this.options.recoveryBoundMs + 5_000);
        await this.injector.injectStackFault(this.stack, planned);
        await this.settleRecoveries(this.boundFor(planned.faultClass) + 5_000);
      } else {
        await this.injector.injectProxyFault(planned);
      }
    }
  }

  /** 'done' once enough iterations turned and every class hit often enough; why else to stop; or nothing. */
  private reasonToStop(): string | undefined {
    const { options } = this;
    const counts = this.tracker.countByClass(options.classes);
    const enough =
      this.monitor.iterations >= options.iterations &&
      options.classes.every((c) => counts[c] >= options.minFaultsPerClass);
    if (enough) return 'done';
    if (Date.now() - this.faultStart >= options.maxDurationMs) return 'max duration';
    if (this.interrupted) return 'interrupted';
    if (this.ledger.violations.length > 0) return 'violation';
    return undefined;
  }

  /** Quiet: no more faults; every loop must turn again within its bound. */
  private async awaitQuiet(): Promise<void> {
    this.status('faults stopped; waiting for every loop to turn again');
    await this.settleRecoveries(Math.max(this.options.recoveryBoundMs, this.options.engineKillBoundMs) + 5_000);
    this.tracker.expectTurn(this.names, this.options.recoveryBoundMs);
    await this.settleRecoveries(this.options.recoveryBoundMs + 5_000);
    this.sample();
  }

  private boundFor(faultClass: FaultClass): number {
    return ENGINE_LOSS_FAULTS.has(faultClass) ? this.options.engineKillBoundMs : this.options.recoveryBoundMs;
  }

  /** Waits until every open fault recovered (or went overdue, which sample() reports). */
  private async settleRecoveries(limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!this.tracker.allRecovered && Date.now() < deadline && !this.interrupted) await sleep(200);
  }

  /** The final books: the last sample, incidents, database size, then stop the loops and let messages settle. */
  private async closeBooks(): Promise<Books> {
    const { ledger, stack } = this;
    await this.monitor.stop();
    this.sample();
    const incidents = await stack.rest.count('incident');
    if (incidents > 0) ledger.violate({ what: 'incident', detail: `${incidents} open incident(s) at the end` });
    const sizeAfter = this.databaseSize();
    const iterations = this.monitor.iterations;
    await new Settlement({
      stack,
      ledger,
      loops: this.names,
      status: this.status,
      interrupted: () => this.interrupted,
    }).settle();
    this.checkFaultCounts();
    return { iterations, incidents, sizeAfter };
  }

  private checkFaultCounts(): void {
    const counts = this.tracker.countByClass(this.options.classes);
    for (const faultClass of this.options.classes) {
      if (counts[faultClass] < this.options.minFaultsPerClass) {
        this.ledger.violate({
          what: 'not-enough-faults',
          detail: `${faultClass} injected ${counts[faultClass]} times, fewer than ${this.options.minFaultsPerClass}`,
        });
      }
    }
  }

  private databaseSize(): DatabaseSize {
    const bytes = Number(this.postgres.query("SELECT pg_database_size('camunda')"));
    const tables = new Map(
      this.postgres
        .query('SELECT relname, pg_total_relation_size(relid) FROM pg_catalog.pg_statio_user_tables')
        .split('\n')
        .filter(Boolean)
        .map((row) => row.split('|'))
        .map(([table, bytes]) => [table, Number(bytes)] as const),
    );
    return { bytes, tables };
  }

  private report(sizeBefore: DatabaseSize, books: Books): ChaosReport {
    const { ledger, tracker, monitor, options } = this;
    const loops = [...monitor.loops.values()];
    const deliveries = this.stack.deliveries;
    return {
      ok: ledger.violations.length === 0,
      seed: options.seed,
      loops: this.names.length,
      iterations: books.iterations,
      iterationsPerLoop: Object.fromEntries(loops.map((loop) => [loop.name, loop.iterations])),
      wallSeconds: Math.round((Date.now() - this.wallStart) / 1000),
      faultPhaseSeconds: Math.round(this.faultPhaseSeconds),
      faultsByClass: tracker.countByClass(options.classes),
      worstRecoveryMsByClass: tracker.worstByClass(options.classes),
      duplicatesAbsorbed: deliveries.counts.duplicate,
      retries: { function: deliveries.counts.retry, engineJobs: monitor.totalsSoFar.failedJobs },
      repliesRacedAhead: tracker.faults.filter((fault) => fault.note?.startsWith('reply accepted before')).length,
      messages: ledger.settlement(),
      deadLetters: [...ledger.deadLettered].map(([messageId, reason]) => ({ messageId, reason })),
      droppedByBroker: [...ledger.droppedByBroker].map(([messageId, reason]) => ({ messageId, reason })),
      acceptedSeenOnlyInHistory: [...ledger.acceptedUnseen],
      incidents: books.incidents,
      maxActiveEcho: Math.max(0, ...loops.map((loop) => loop.maxActiveEcho)),
      minActiveEcho: Math.min(...loops.map((loop) => loop.minActiveEcho)),
      database: databaseGrowth(sizeBefore, books.sizeAfter, books.iterations),
      violations: ledger.violations.map((violation) => ({
        ...violation,
        faultsBefore: tracker.leadingTo(violation.loop, violation.at).map(describeFault),
      })),
      stoppedBy: this.stoppedBy,
      engineSettings: this.engineSettings,
      runFolder: options.runFolder,
      faults: tracker.faults,
    };
  }
}
