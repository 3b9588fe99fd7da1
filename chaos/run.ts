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
import { existsSync, readFileSync } from 'node:fs';

import type { DeliveryLine } from '../local/deliveries';
import { LoopMonitor } from '../local/loop-monitor';
import { startLocalStack, type LocalStack } from '../local/stack';
import { echoRequestFields, Ledger, type Violation } from './accounting';
import { FaultProxy, type ProxiedRequest, type ProxyAction } from './fault-proxy';
import { RecoveryTracker, type InjectedFault } from './recovery';
import { FaultSchedule, STACK_FAULTS, type FaultClass, type PlannedFault } from './schedule';

/**
 * Engine settings of a chaos run, over the local ones (local/stack.ts). The job lock time that decides
 * the recovery from an engine kill is the engine's default (docker/camunda/README.md), so the run
 * proves what is deployed. History is on, though the engine's default is none: the final books compare
 * the replies the engine accepted with the Echo instances it completed, and only history remembers
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
  readonly onStatus?: (message: string) => void;
  /** Called about once a second while faults are injected. */
  readonly onProgress?: (progress: ChaosProgress) => void;
  /** Resolves when the run should stop injecting early (Ctrl-C). */
  readonly interrupted?: Promise<unknown>;
}

export interface ChaosProgress {
  readonly elapsedMs: number;
  readonly iterations: number;
  readonly faults: number;
  readonly violations: number;
  readonly lastFault?: string;
}

export interface ChaosReport {
  readonly ok: boolean;
  readonly seed: number;
  readonly loops: number;
  readonly iterations: number;
  readonly iterationsPerLoop: Record<string, number>;
  readonly wallSeconds: number;
  readonly faultPhaseSeconds: number;
  readonly faultsByClass: Record<string, number>;
  readonly worstRecoveryMsByClass: Record<string, number | null>;
  readonly duplicatesAbsorbed: number;
  readonly retries: { readonly function: number; readonly engineJobs: number };
  readonly repliesRacedAhead: number;
  readonly messages: ReturnType<Ledger['settlement']>;
  readonly deadLetters: ReadonlyArray<{ messageId: string; reason: string }>;
  /** Messages the emulator dropped after the function asked for a redelivery, with the evidence (accounting.ts). */
  readonly droppedByBroker: ReadonlyArray<{ readonly messageId: string; readonly reason: string }>;
  /** Iterations ("loop/iteration") whose accepted reply a crash hid from both observers; the history showed them. */
  readonly acceptedSeenOnlyInHistory: readonly string[];
  readonly incidents: number;
  readonly maxActiveEcho: number;
  readonly minActiveEcho: number;
  readonly database: {
    readonly bytesBefore: number;
    readonly bytesAfter: number;
    readonly bytesPer1000Iterations: number | null;
    /** The tables that grew most during the fault phase, in bytes (data, indexes and TOAST). */
    readonly growthByTable?: Readonly<Record<string, number>>;
  };
  readonly violations: ReadonlyArray<Violation & { readonly faultsBefore: readonly string[] }>;
  readonly stoppedBy: string;
  readonly engineSettings: Record<string, string>;
  readonly runFolder: string;
  readonly faults: readonly InjectedFault[];
}

const TOPIC = 'echo-requests';
/** How long an armed proxy fault may wait for a request before it is withdrawn (and not counted). */
const ARM_TIMEOUT_MS = 20_000;
/** How long messages get to settle after the loops stopped: the subscription's longest backoff plus slack. */
const SETTLE_TIMEOUT_MS = 90_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const status = options.onStatus ?? (() => undefined);
  const wallStart = Date.now();
  const ledger = new Ledger();
  const tracker = new RecoveryTracker();
  const names = Array.from({ length: options.loops }, (_, i) => `loop-${i + 1}`);
  const engineSettings = { ...CHAOS_ENGINE_SETTINGS, ...options.engineSettings };

  const publishProxy = new FaultProxy({
    name: 'publish',
    matches: (request) => request.method === 'POST' && request.path.includes(`/topics/${TOPIC}:publish`),
    onExchange: (exchange) =>
      ledger.recordPublish(exchange.request.body, exchange.status, exchange.body, exchange.fault === 'drop-answer'),
  });
  // The push proxy stands where Google's front end stands before a function: a push in flight when the
  // function dies gets a 502, never a dropped connection, and a push while it restarts is held until
  // it listens again (Cloud Run queues requests while an instance starts). Without the hold, the
  // emulator (0.8.20) got several failed pushes of one message in quick succession (it retries the
  // first failure within about a second, whatever the minimum backoff) and then, now and then, never
  // redelivered that message at all: two loops stalled for good after a function crash.
  const pushProxy = new FaultProxy({
    name: 'push',
    matches: (request) => request.method === 'POST',
    upstreamFailureStatus: 502,
    holdWhileDownMs: 20_000,
  });
  const engineProxy = new FaultProxy({
    name: 'engine',
    matches: (request) =>
      request.method === 'POST' &&
      request.path.startsWith('/engine-rest/message') &&
      replyFields(request).messageName === 'EchoReply',
    onExchange: (exchange) => {
      const reply = replyFields(exchange.request);
      if (reply.messageName === 'EchoReply') ledger.recordCorrelation(reply.requestId, exchange.status);
    },
  });
  const proxies = [publishProxy, pushProxy, engineProxy];
  const inFront = (proxy: FaultProxy) => (url: string) => proxy.start(url);

  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      runFolder: options.runFolder,
      database: { type: 'postgres' },
      topic: TOPIC,
      engineSettings,
      onStatus: status,
      between: {
        engineAndPubsub: inFront(publishProxy),
        pubsubAndFunction: inFront(pushProxy),
        functionAndEngine: inFront(engineProxy),
      },
    });
    return await runOn(stack);
  } finally {
    await stack?.stop();
    for (const proxy of proxies) await proxy.close();
  }

  async function runOn(stack: LocalStack): Promise<ChaosReport> {
    const postgres = stack.postgres;
    if (!postgres) throw new Error('a chaos run needs the throwaway PostgreSQL server');
    const databaseBytes = () => Number(postgres.query("SELECT pg_database_size('camunda')"));
    const tableBytes = () =>
      new Map(
        postgres
          .query('SELECT relname, pg_total_relation_size(relid) FROM pg_catalog.pg_statio_user_tables')
          .split('\n')
          .filter(Boolean)
          .map((row) => row.split('|'))
          .map(([table, bytes]) => [table, Number(bytes)] as const),
      );
    const monitor = new LoopMonitor({ rest: stack.rest, stallMs: 24 * 3_600_000, sampleEveryMs: 500 });

    stack.onDelivery((line: DeliveryLine) => {
      ledger.recordDelivery(line);
      if (line.outcome === 'delivered' && line.loop !== undefined) tracker.delivered(line.loop);
    });

    for (const [name, id] of await stack.startLoops(names)) monitor.watch(name, id);
    monitor.start();
    const bytesBefore = databaseBytes();
    const tablesBefore = tableBytes();
    const faultStart = Date.now();
    status(`${names.length} loops started; injecting ${options.classes.join(', ')} (seed ${options.seed})`);

    let stoppedBy = 'done';
    let interrupted = false;
    void options.interrupted?.then(() => (interrupted = true));
    const reportedMultiplied = new Set<string>();
    const watch = () => {
      for (const loop of monitor.loops.values()) {
        if (loop.multiplied && !reportedMultiplied.has(loop.name)) {
          reportedMultiplied.add(loop.name);
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
      options.onProgress?.({
        elapsedMs: Date.now() - faultStart,
        iterations: monitor.iterations,
        faults: tracker.faults.length,
        violations: ledger.violations.length,
        ...(tracker.faults.length > 0 ? { lastFault: tracker.faults[tracker.faults.length - 1].faultClass } : {}),
      });
    };
    const ticker = setInterval(watch, 1_000);

    const boundFor = (faultClass: FaultClass) =>
      faultClass === 'engine-kill' ? options.engineKillBoundMs : options.recoveryBoundMs;
    /** Waits until every open fault recovered (or went overdue, which watch() reports). */
    const settleRecoveries = async (limitMs: number) => {
      const deadline = Date.now() + limitMs;
      while (!tracker.allRecovered && Date.now() < deadline && !interrupted) await sleep(200);
    };

    try {
      const schedule = new FaultSchedule({ seed: options.seed, classes: options.classes });
      for (;;) {
        const counts = tracker.countByClass(options.classes);
        const enough =
          monitor.iterations >= options.iterations &&
          options.classes.every((c) => counts[c] >= options.minFaultsPerClass);
        if (enough) break;
        if (Date.now() - faultStart >= options.maxDurationMs) {
          stoppedBy = 'max duration';
          break;
        }
        if (interrupted) {
          stoppedBy = 'interrupted';
          break;
        }
        if (ledger.violations.length > 0) {
          stoppedBy = 'violation';
          break;
        }
        const planned = schedule.next();
        await sleep(planned.gapMs);
        if (STACK_FAULTS.has(planned.faultClass)) {
          // One whole-stack fault at a time, on a stack that has recovered from everything before it.
          await settleRecoveries(options.recoveryBoundMs + 5_000);
          await injectStackFault(stack, planned);
          await settleRecoveries(boundFor(planned.faultClass) + 5_000);
        } else {
          await injectProxyFault(planned);
        }
      }

      // Quiet: no more faults; every loop must turn again within its bound.
      status('faults stopped; waiting for every loop to turn again');
      await settleRecoveries(Math.max(options.recoveryBoundMs, options.engineKillBoundMs) + 5_000);
      tracker.expectTurn(names, options.recoveryBoundMs);
      await settleRecoveries(options.recoveryBoundMs + 5_000);
      watch();
    } finally {
      clearInterval(ticker);
    }
    const faultPhaseSeconds = (Date.now() - faultStart) / 1000;

    // The final books: the last sample, incidents, database size, then stop the loops and let messages settle.
    await monitor.stop();
    watch();
    const incidents = await stack.rest.count('incident');
    if (incidents > 0) ledger.violate({ what: 'incident', detail: `${incidents} open incident(s) at the end` });
    const bytesAfter = databaseBytes();
    const tablesAfter = tableBytes();
    const iterations = monitor.iterations;
    await stack.stopLoops(names);
    for (const definition of ['EchoLoop', 'Echo']) {
      const left = await stack.rest.count('process-instance', { processDefinitionKey: definition });
      if (left > 0)
        ledger.violate({
          what: 'not-stopped',
          detail: `${left} ${definition} instance(s) still running after StopEchoLoop`,
        });
    }
    status('loops stopped; waiting for every published message to settle');
    const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      await stack.drainDeadLetters();
      for (const messageId of deadLetterIds(stack.logs.deadLetters))
        if (!ledger.deadLettered.has(messageId)) ledger.recordDeadLetter(messageId);
      if (ledger.unsettled().length === 0 || Date.now() > settleDeadline || interrupted) break;
      await sleep(1_000);
    }
    if (ledger.unsettled().length > 0 && !interrupted) await redeliverStranded(stack);
    // A crash can hide an accepted reply from both observers; the engine's history is the last witness.
    for (const unseen of ledger.unseenIterations()) {
      for (const id of unseen.processInstanceIds) {
        if ((await stack.rest.historicInstance(id))?.state === 'COMPLETED') {
          ledger.recordCompletedInHistory(unseen.loop, unseen.iteration);
          break;
        }
      }
    }
    const completed = new Map<string, number>();
    for (const name of names) {
      completed.set(
        name,
        await stack.rest.count('history/process-instance', {
          processDefinitionKey: 'Echo',
          processInstanceBusinessKey: name,
          completed: true,
        }),
      );
    }
    ledger.finish(completed);
    const counts = tracker.countByClass(options.classes);
    for (const faultClass of options.classes) {
      if (counts[faultClass] < options.minFaultsPerClass) {
        ledger.violate({
          what: 'not-enough-faults',
          detail: `${faultClass} injected ${counts[faultClass]} times, fewer than ${options.minFaultsPerClass}`,
        });
      }
    }

    const loops = [...monitor.loops.values()];
    const deliveries = stack.deliveries;
    return {
      ok: ledger.violations.length === 0,
      seed: options.seed,
      loops: names.length,
      iterations,
      iterationsPerLoop: Object.fromEntries(loops.map((loop) => [loop.name, loop.iterations])),
      wallSeconds: Math.round((Date.now() - wallStart) / 1000),
      faultPhaseSeconds: Math.round(faultPhaseSeconds),
      faultsByClass: counts,
      worstRecoveryMsByClass: tracker.worstByClass(options.classes),
      duplicatesAbsorbed: deliveries.counts.duplicate,
      retries: { function: deliveries.counts.retry, engineJobs: monitor.totalsSoFar.failedJobs },
      repliesRacedAhead: tracker.faults.filter((fault) => fault.note?.startsWith('reply accepted before')).length,
      messages: ledger.settlement(),
      deadLetters: [...ledger.deadLettered].map(([messageId, reason]) => ({ messageId, reason })),
      droppedByBroker: [...ledger.droppedByBroker].map(([messageId, reason]) => ({ messageId, reason })),
      acceptedSeenOnlyInHistory: [...ledger.acceptedUnseen],
      incidents,
      maxActiveEcho: Math.max(0, ...loops.map((loop) => loop.maxActiveEcho)),
      minActiveEcho: Math.min(...loops.map((loop) => loop.minActiveEcho)),
      database: {
        bytesBefore,
        bytesAfter,
        bytesPer1000Iterations: iterations > 0 ? Math.round(((bytesAfter - bytesBefore) / iterations) * 1000) : null,
        growthByTable: Object.fromEntries(
          [...tablesAfter]
            .map(([table, bytes]) => [table, bytes - (tablesBefore.get(table) ?? 0)] as const)
            .filter(([, growth]) => growth > 0)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8),
        ),
      },
      violations: ledger.violations.map((violation) => ({
        ...violation,
        faultsBefore: tracker.leadingTo(violation.loop, violation.at).map(describeFault),
      })),
      stoppedBy,
      engineSettings,
      runFolder: options.runFolder,
      faults: tracker.faults,
    };
  }

  /**
   * The emulator (0.8.20) now and then never pushes a message again after two failed pushes in quick
   * succession (an engine kill makes the function fail twice within a second); Pub/Sub would redeliver
   * it. Whatever the subscription still holds is handed to the function once (stack.pushHeldMessages),
   * and the function's log line settles it like any delivery. A message the emulator no longer holds
   * is judged by the books (Ledger.finish): dropped by the broker only with the evidence, else lost.
   */
  async function redeliverStranded(stack: LocalStack): Promise<void> {
    status(`${ledger.unsettled().length} messages unsettled: handing what the emulator still holds to the function`);
    for (const messageId of await stack.pushHeldMessages()) ledger.recordStranded(messageId);
    const deadline = Date.now() + 10_000;
    while (ledger.unsettled().length > 0 && Date.now() < deadline) await sleep(200);
  }

  async function injectStackFault(stack: LocalStack, planned: PlannedFault): Promise<void> {
    const downMs = planned.holdMs ?? 0;
    const fault: InjectedFault = { ...planned, at: Date.now(), loops: names };
    switch (planned.faultClass) {
      case 'engine-kill':
        await stack.restartEngine({ signal: 'SIGKILL', downMs });
        break;
      case 'function-crash':
        await stack.restartFunction({ signal: 'SIGKILL', downMs });
        break;
      case 'postgres-restart':
        await stack.postgres?.stop();
        await sleep(downMs);
        await stack.postgres?.start();
        break;
      default:
        throw new Error(`${planned.faultClass} is not a stack fault`);
    }
    // Timed from the fault, counted from the part's return: a reply squeezed in before the part went
    // down is no recovery.
    tracker.hit(
      fault,
      planned.faultClass === 'engine-kill' ? options.engineKillBoundMs : options.recoveryBoundMs,
      Date.now(),
    );
  }

  /** Arms the proxy for this fault and waits until a request met it (or withdraws it after ARM_TIMEOUT_MS). */
  async function injectProxyFault(planned: PlannedFault): Promise<void> {
    const [proxy, action] = proxyFault(planned);
    let met: (() => void) | undefined;
    const hit = new Promise<void>((resolve) => (met = resolve));
    proxy.arm({
      action,
      onInjected: (request) => {
        const fields: { loop?: string; iteration?: number; messageId?: string } =
          proxy === engineProxy
            ? (ledger.request(replyFields(request).requestId) ?? {})
            : requestFields(proxy, request);
        const fault: InjectedFault = {
          ...planned,
          at: Date.now(),
          loops: fields.loop ? [fields.loop] : names,
          ...(fields.loop ? { loop: fields.loop } : {}),
          ...(fields.iteration !== undefined ? { iteration: fields.iteration } : {}),
          ...(fields.messageId ? { messageId: fields.messageId } : {}),
        };
        if (planned.faultClass === 'request-lost' && fields.messageId) {
          ledger.recordDroppedByFault(
            fields.messageId,
            `request-lost fault #${planned.index}: acked by the push proxy, never delivered`,
          );
        }
        tracker.hit(fault, options.recoveryBoundMs);
        met?.();
      },
    });
    const timedOut = await Promise.race([hit.then(() => false), sleep(ARM_TIMEOUT_MS).then(() => true)]);
    if (timedOut) proxy.disarm();
  }

  function proxyFault(planned: PlannedFault): [FaultProxy, ProxyAction] {
    switch (planned.faultClass) {
      case 'publish-429':
      case 'publish-503':
        return [publishProxy, { kind: 'refuse', status: planned.status ?? 503 }];
      case 'publish-hang':
        return [publishProxy, { kind: 'hang', holdMs: planned.holdMs ?? 5_000 }];
      case 'publish-lost-answer':
        return [publishProxy, { kind: 'drop-answer' }];
      case 'reply-race':
        return [publishProxy, { kind: 'hold-answer', release: (exchange) => holdUntilReplied(planned, exchange.body) }];
      case 'duplicate-delivery':
        return [pushProxy, { kind: 'duplicate' }];
      case 'lost-ack':
        return [pushProxy, { kind: 'replace-answer', status: 503 }];
      case 'request-lost':
        // 204 is an ack: Pub/Sub is done with the message, and only Echo's re-publish brings it back.
        return [pushProxy, { kind: 'refuse', status: 204 }];
      case 'engine-5xx':
        return [
          engineProxy,
          planned.afterForwarding
            ? { kind: 'replace-answer', status: planned.status ?? 502 }
            : { kind: 'refuse', status: planned.status ?? 503 },
        ];
      default:
        throw new Error(`${planned.faultClass} is not a proxy fault`);
    }
  }

  /** Holds a publish's answer until the function logged the reply to it (at most 10 s), and notes who won. */
  async function holdUntilReplied(planned: PlannedFault, answer: Buffer | undefined): Promise<void> {
    let ids: string[] = [];
    try {
      ids = (JSON.parse(answer?.toString('utf8') ?? '{}') as { messageIds?: string[] }).messageIds ?? [];
    } catch {
      // not Pub/Sub's answer: nothing to wait for
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !ids.every((id) => ledger.outcomeOf(id) === 'delivered')) await sleep(50);
    const fault = tracker.faults.findLast((f) => f.index === planned.index);
    if (fault) {
      fault.note = ids.every((id) => ledger.outcomeOf(id) === 'delivered')
        ? `reply accepted before the publish job got its answer (message ${ids.join(', ')})`
        : `no reply within 10 s of the publish (message ${ids.join(', ')})`;
    }
  }

  function requestFields(
    proxy: FaultProxy,
    request: ProxiedRequest,
  ): { loop?: string; iteration?: number; messageId?: string } {
    try {
      const body = JSON.parse(request.body.toString('utf8')) as {
        message?: { data?: unknown; messageId?: string };
        messages?: Array<{ data?: unknown }>;
      };
      if (proxy === pushProxy)
        return {
          ...echoRequestFields(body.message?.data),
          ...(body.message?.messageId ? { messageId: body.message.messageId } : {}),
        };
      return echoRequestFields(body.messages?.[0]?.data);
    } catch {
      return {};
    }
  }
}

/** The fields of a correlation request the engine proxy needs. */
function replyFields(request: ProxiedRequest): { messageName?: string; requestId?: string } {
  try {
    const body = JSON.parse(request.body.toString('utf8')) as {
      messageName?: string;
      correlationKeys?: { requestId?: { value?: string } };
    };
    return { messageName: body.messageName, requestId: body.correlationKeys?.requestId?.value };
  } catch {
    return {};
  }
}

function deadLetterIds(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { messageId: string }).messageId);
}

export function describeFault(fault: InjectedFault): string {
  const where = fault.loop
    ? ` ${fault.loop}${fault.iteration !== undefined ? ` iteration ${fault.iteration}` : ''}`
    : ' all loops';
  const params = [
    fault.status !== undefined ? `status ${fault.status}${fault.afterForwarding ? ' after forwarding' : ''}` : '',
    fault.holdMs !== undefined ? `${fault.holdMs} ms` : '',
    fault.recoveryMs !== undefined ? `recovered in ${fault.recoveryMs} ms` : 'not recovered',
  ].filter(Boolean);
  return `#${fault.index} ${new Date(fault.at).toISOString()} ${fault.faultClass}${where} (${params.join(', ')})${fault.note ? `: ${fault.note}` : ''}`;
}
