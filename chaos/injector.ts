/**
 * Injects the faults of a chaos run: the three fault proxies between the parts of the local stack
 * (publish, push, engine) and the whole-stack faults (engine kill, function crash, PostgreSQL restart,
 * and the engine faults of engine-faults.ts: a second engine, a rolling redeploy, a scale to zero).
 * Every fault that met a request (or took a part down) goes to the recovery tracker; what the proxies
 * see goes to the ledger (accounting.ts).
 */
import type { LocalStack, LocalStackOptions } from '../local/stack';
import { echoRequestFields, type Ledger } from './accounting';
import { FaultProxy, type ProxiedRequest, type ProxyAction } from './fault-proxy';
import type { InjectedFault, RecoveryTracker } from './recovery';
import { DeadLetterStandIn } from './dead-letter';
import { playEngineFault } from './engine-faults';
import { ENGINE_LOSS_FAULTS, type PlannedFault } from './schedule';

export const TOPIC = 'echo-requests';
/** The final reply of a push worker (the contract's §3); a heartbeat (pushOutcome working) is not final. */
const REPLY_MESSAGE = 'PushTaskReply';
/** How long an armed proxy fault may wait for a request before it is withdrawn (and not counted). */
const ARM_TIMEOUT_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FaultInjectorOptions {
  readonly ledger: Ledger;
  readonly tracker: RecoveryTracker;
  /** Every loop's name: a fault that hit no known loop is held against all of them. */
  readonly loops: readonly string[];
  readonly recoveryBoundMs: number;
  readonly engineKillBoundMs: number;
  /** Failed pushes of one message after which the push proxy dead-letters it (dead-letter.ts). */
  readonly deadLetterAfter: number;
}

/** The fields of a request a fault met, to place the fault on a loop and an iteration. */
type RequestFields = { loop?: string; iteration?: number; messageId?: string };

export class FaultInjector {
  private readonly ledger: Ledger;
  private readonly tracker: RecoveryTracker;
  private readonly publishProxy: FaultProxy;
  private readonly pushProxy: FaultProxy;
  private readonly engineProxy: FaultProxy;
  private readonly deadLetters: DeadLetterStandIn;

  constructor(private readonly options: FaultInjectorOptions) {
    this.ledger = options.ledger;
    this.tracker = options.tracker;
    const ledger = options.ledger;
    this.deadLetters = new DeadLetterStandIn(options.deadLetterAfter, `${TOPIC}-dead-letter`);
    this.publishProxy = new FaultProxy({
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
    this.pushProxy = new FaultProxy({
      name: 'push',
      matches: (request) => request.method === 'POST',
      upstreamFailureStatus: 502,
      holdWhileDownMs: 20_000,
      onFailure: (request) => this.deadLetters.failed(request),
    });
    this.engineProxy = new FaultProxy({
      name: 'engine',
      matches: (request) =>
        request.method === 'POST' && request.path.startsWith('/engine-rest/message') && replyFields(request).final,
      onExchange: (exchange) => {
        const reply = replyFields(exchange.request);
        if (reply.final) ledger.recordCorrelation(reply.requestId, exchange.status);
      },
    });
  }

  /** The hooks that put the proxies between the parts (startLocalStack's `between`). */
  get between(): NonNullable<LocalStackOptions['between']> {
    return {
      engineAndPubsub: (url) => {
        this.deadLetters.useEmulator(url);
        return this.publishProxy.start(url);
      },
      pubsubAndFunction: (url) => this.pushProxy.start(url),
      functionAndEngine: (url) => this.engineProxy.start(url),
    };
  }

  async close(): Promise<void> {
    for (const proxy of [this.publishProxy, this.pushProxy, this.engineProxy]) await proxy.close();
  }

  /** Takes a part of the stack down for planned.holdMs and up again; the fault is counted from its return. */
  async injectStackFault(stack: LocalStack, planned: PlannedFault): Promise<void> {
    const downMs = planned.holdMs ?? 0;
    let fault: InjectedFault = { ...planned, at: Date.now(), loops: this.options.loops };
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
      case 'second-engine':
      case 'rolling-redeploy':
      case 'scale-to-zero':
        // Timed from the moment that disrupts the loops: the leave, the old engine's SIGTERM, the wake.
        fault = { ...fault, ...(await playEngineFault(stack, planned)) };
        break;
      default:
        throw new Error(`${planned.faultClass} is not a stack fault`);
    }
    // Timed from the fault, counted from the part's return: a reply squeezed in before the part went
    // down is no recovery.
    const bound = ENGINE_LOSS_FAULTS.has(planned.faultClass)
      ? this.options.engineKillBoundMs
      : this.options.recoveryBoundMs;
    this.tracker.hit(fault, bound, Date.now());
  }

  /** Arms the proxy for this fault and waits until a request met it (or withdraws it after ARM_TIMEOUT_MS). */
  async injectProxyFault(planned: PlannedFault): Promise<void> {
    const [proxy, action] = this.proxyFault(planned);
    let met: (() => void) | undefined;
    const hit = new Promise<void>((resolve) => (met = resolve));
    proxy.arm({
      action,
      onInjected: (request) => {
        this.recordProxyFault(planned, this.fieldsOf(proxy, request));
        met?.();
      },
    });
    const timedOut = await Promise.race([hit.then(() => false), sleep(ARM_TIMEOUT_MS).then(() => true)]);
    if (timedOut) proxy.disarm();
  }

  private recordProxyFault(planned: PlannedFault, fields: RequestFields): void {
    const fault: InjectedFault = {
      ...planned,
      at: Date.now(),
      loops: fields.loop ? [fields.loop] : this.options.loops,
      ...(fields.loop ? { loop: fields.loop } : {}),
      ...(fields.iteration !== undefined ? { iteration: fields.iteration } : {}),
      ...(fields.messageId ? { messageId: fields.messageId } : {}),
    };
    if (planned.faultClass === 'request-lost' && fields.messageId) {
      this.ledger.recordDroppedByFault(
        fields.messageId,
        `request-lost fault #${planned.index}: acked by the push proxy, never delivered`,
      );
    }
    this.tracker.hit(fault, this.options.recoveryBoundMs);
  }

  private proxyFault(planned: PlannedFault): [FaultProxy, ProxyAction] {
    switch (planned.faultClass) {
      case 'publish-429':
      case 'publish-503':
        return [this.publishProxy, { kind: 'refuse', status: planned.status ?? 503 }];
      case 'publish-hang':
        return [this.publishProxy, { kind: 'hang', holdMs: planned.holdMs ?? 5_000 }];
      case 'publish-lost-answer':
        return [this.publishProxy, { kind: 'drop-answer' }];
      case 'reply-race':
        return [
          this.publishProxy,
          { kind: 'hold-answer', release: (exchange) => this.holdUntilReplied(planned, exchange.body) },
        ];
      case 'duplicate-delivery':
        return [this.pushProxy, { kind: 'duplicate' }];
      case 'lost-ack':
        return [this.pushProxy, { kind: 'replace-answer', status: 503 }];
      case 'request-lost':
        // 204 is an ack: Pub/Sub is done with the message, and only PushTask's re-publish brings it back.
        return [this.pushProxy, { kind: 'refuse', status: 204 }];
      case 'engine-5xx':
        return [
          this.engineProxy,
          planned.afterForwarding
            ? { kind: 'replace-answer', status: planned.status ?? 502 }
            : { kind: 'refuse', status: planned.status ?? 503 },
        ];
      default:
        throw new Error(`${planned.faultClass} is not a proxy fault`);
    }
  }

  /** Holds a publish's answer until the function logged the reply to it (at most 10 s), and notes who won. */
  private async holdUntilReplied(planned: PlannedFault, answer: Buffer | undefined): Promise<void> {
    let ids: string[] = [];
    try {
      ids = (JSON.parse(answer?.toString('utf8') ?? '{}') as { messageIds?: string[] }).messageIds ?? [];
    } catch {
      // not Pub/Sub's answer: nothing to wait for
    }
    const allDelivered = () => ids.every((id) => this.ledger.outcomeOf(id) === 'completed');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !allDelivered()) await sleep(50);
    const fault = this.tracker.faults.findLast((f) => f.index === planned.index);
    if (fault) {
      fault.note = allDelivered()
        ? `reply accepted before the publish job got its answer (message ${ids.join(', ')})`
        : `no reply within 10 s of the publish (message ${ids.join(', ')})`;
    }
  }

  /** Which loop, iteration and message the request a fault met belongs to. */
  private fieldsOf(proxy: FaultProxy, request: ProxiedRequest): RequestFields {
    if (proxy === this.engineProxy) return this.ledger.request(replyFields(request).requestId) ?? {};
    try {
      const body = JSON.parse(request.body.toString('utf8')) as {
        message?: { data?: unknown; messageId?: string };
        messages?: Array<{ data?: unknown }>;
      };
      if (proxy === this.pushProxy)
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
function replyFields(request: ProxiedRequest): { final: boolean; requestId?: string } {
  try {
    const body = JSON.parse(request.body.toString('utf8')) as {
      messageName?: string;
      correlationKeys?: { requestId?: { value?: string } };
      processVariables?: { pushOutcome?: { value?: unknown } };
    };
    const final = body.messageName === REPLY_MESSAGE && body.processVariables?.pushOutcome?.value !== 'working';
    return { final, requestId: body.correlationKeys?.requestId?.value };
  } catch {
    return { final: false };
  }
}
