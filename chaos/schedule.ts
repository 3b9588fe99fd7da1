/**
 * The fault schedule of a chaos run: which fault comes next, with what parameters, after how long a
 * pause. It is a pure function of a seed, so a run can be replayed: the same seed gives the same
 * sequence of faults (when each one meets a request still depends on timing, which is the point).
 *
 * Faults come in rounds: every round is a fresh random order of every selected class, so after n
 * rounds each class has had n turns, and no class waits behind a long streak of another.
 */
import { CHAOS_SUBSCRIPTION, scaleToZeroDownMs } from './subscription';

/** Every kind of fault a chaos run knows, in the order the report lists them. */
export const FAULT_CLASSES = [
  'publish-429',
  'publish-503',
  'publish-hang',
  'publish-lost-answer',
  'reply-race',
  'duplicate-delivery',
  'lost-ack',
  'request-lost',
  'engine-5xx',
  'engine-kill',
  'function-crash',
  'postgres-restart',
  'second-engine',
  'rolling-redeploy',
  'scale-to-zero',
] as const;

export type FaultClass = (typeof FAULT_CLASSES)[number];

/** Faults that take a whole part of the stack away: every loop is affected, and they run one at a time. */
export const STACK_FAULTS: ReadonlySet<FaultClass> = new Set<FaultClass>([
  'engine-kill',
  'function-crash',
  'postgres-restart',
  'second-engine',
  'rolling-redeploy',
  'scale-to-zero',
]);

/**
 * Faults after which jobs may wait out the lock of an engine that died holding them (SIGKILL, or SIGTERM
 * past its 10 s grace): the loops get the engine-kill bound instead of the recovery bound.
 */
export const ENGINE_LOSS_FAULTS: ReadonlySet<FaultClass> = new Set<FaultClass>([
  'engine-kill',
  'second-engine',
  'rolling-redeploy',
  'scale-to-zero',
]);

export const FAULT_DESCRIPTIONS: Readonly<Record<FaultClass, string>> = {
  'publish-429': "the engine's publish gets 429 from Pub/Sub (not forwarded)",
  'publish-503': "the engine's publish gets 503 from Pub/Sub (not forwarded)",
  'publish-hang':
    "Pub/Sub does not answer the publish: the connection is dropped after holdMs (beyond 7 s the engine's own deadline fires first: the publish's 6 s timeout and a second)",
  'publish-lost-answer':
    'Pub/Sub accepts the publish but the answer is lost: the engine retries and publishes a second copy',
  'reply-race':
    "Pub/Sub accepts the publish but its answer is held until the reply reached the engine: the reply races ahead of the publish job's commit",
  'duplicate-delivery': 'one push delivered twice at once, as when a delivery outlives the ack deadline',
  'lost-ack': 'the function correlated the reply, but Pub/Sub sees 503 and redelivers',
  'request-lost':
    'a push is acked without reaching the function, as a request dead-lettered or dropped after Pub/Sub accepted it: PushTask must publish it again',
  'engine-5xx':
    "the engine answers the function's reply with 500 or 503 (not forwarded), or with 502 after accepting it",
  'engine-kill': 'the engine is killed with SIGKILL mid-flight and restarted on the same database after downMs',
  'function-crash': 'the echo function is killed with SIGKILL and restarted on the same port after downMs',
  'postgres-restart': 'PostgreSQL is stopped (fast shutdown) and started again on the same data after downMs',
  'second-engine':
    'a second engine joins on the same database behind the front (replies round-robin) and leaves with SIGTERM after holdMs',
  'rolling-redeploy':
    'a new engine starts and becomes ready, then the old one gets SIGTERM while it holds jobs (SIGKILL after 10 s), as a revision change',
  'scale-to-zero':
    "every engine is down for holdMs, longer than the push subscription's patience: deliveries fail and are dead-lettered; then one engine wakes",
};

export interface PlannedFault {
  /** 1, 2, 3, ... in order of the schedule. */
  readonly index: number;
  readonly faultClass: FaultClass;
  /** Pause before this fault, after the previous one was injected. */
  readonly gapMs: number;
  /**
   * How long a process stays down (engine-kill, function-crash, postgres-restart, every engine for
   * scale-to-zero), a second engine serves (second-engine), or a publish hangs.
   */
  readonly holdMs?: number;
  /** The status to inject (publish-429/503, engine-5xx). */
  readonly status?: number;
  /** engine-5xx only: whether the engine acted on the reply before the function got the 5xx. */
  readonly afterForwarding?: boolean;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly classes: readonly FaultClass[];
  /** Pause between faults, drawn uniformly from this range. */
  readonly gapMs?: readonly [number, number];
  /** How long scale-to-zero keeps every engine down at least (subscription.ts, from the push subscription's patience). */
  readonly scaleToZeroDownMs?: number;
}

/** A small, fast PRNG (a Weyl sequence through a 32-bit mixing function): deterministic per seed, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    mixed ^= mixed >>> 16;
    return (mixed >>> 0) / 2 ** 32;
  };
}

/** A seed for a run that was given none: printed with the report, so the run can be replayed. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

export class FaultSchedule {
  private readonly random: () => number;
  private round: FaultClass[] = [];
  private count = 0;

  constructor(private readonly options: ScheduleOptions) {
    if (options.classes.length === 0) throw new Error('a fault schedule needs at least one fault class');
    this.random = seededRandom(options.seed);
  }

  next(): PlannedFault {
    if (this.round.length === 0) this.round = this.shuffled(this.options.classes);
    const faultClass = this.round.shift() as FaultClass;
    this.count += 1;
    const [minGap, maxGap] = this.options.gapMs ?? [500, 3_000];
    const planned = { index: this.count, faultClass, gapMs: Math.round(this.between(minGap, maxGap)) };
    return { ...planned, ...this.parameters(faultClass) };
  }

  /** The first `n` faults, for printing a schedule or testing one. */
  take(n: number): PlannedFault[] {
    return Array.from({ length: n }, () => this.next());
  }

  private parameters(faultClass: FaultClass): Partial<PlannedFault> {
    switch (faultClass) {
      case 'publish-429':
        return { status: 429 };
      case 'publish-503':
        return { status: 503 };
      case 'publish-hang':
        // Mostly a dropped connection after a few seconds, sometimes a true hang far past the engine's 6 s publish timeout.
        return { holdMs: this.random() < 0.25 ? 35_000 : Math.round(this.between(2_000, 10_000)) };
      case 'engine-5xx': {
        const afterForwarding = this.random() < 0.34;
        return { status: afterForwarding ? 502 : this.random() < 0.5 ? 500 : 503, afterForwarding };
      }
      case 'engine-kill':
        return { holdMs: Math.round(this.between(1_000, 10_000)) };
      case 'function-crash':
      case 'postgres-restart':
        return { holdMs: Math.round(this.between(500, 5_000)) };
      case 'second-engine':
        return { holdMs: Math.round(this.between(5_000, 15_000)) };
      case 'scale-to-zero': {
        const least = this.options.scaleToZeroDownMs ?? scaleToZeroDownMs(CHAOS_SUBSCRIPTION);
        return { holdMs: Math.round(this.between(least, least + 10_000)) };
      }
      default:
        return {};
    }
  }

  private between(min: number, max: number): number {
    return min + this.random() * (max - min);
  }

  private shuffled(classes: readonly FaultClass[]): FaultClass[] {
    const order = [...classes];
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}
