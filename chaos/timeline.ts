/**
 * What a chaos run saw over time, for the HTML report (html-report.ts): when each loop had each reply
 * accepted (iteration n at time t) and the round trip the function measured for it. The faults with
 * their start and recovery are the recovery tracker's (report.faults); this adds what the report's
 * totals do not keep.
 */
import type { DeliveryLine } from '../local/deliveries';

/** One accepted reply: the iteration it carried and when the run heard of it (ms since the epoch). */
export interface ReplyPoint {
  readonly at: number;
  readonly iteration: number;
}

/** The timeline's content as plain data (what the HTML report reads). */
export interface TimelineData {
  /** Per loop, its accepted replies in the order they were heard. */
  readonly replies: Readonly<Record<string, readonly ReplyPoint[]>>;
  /** roundTripMs of every accepted reply, in arrival order. */
  readonly roundTripsMs: readonly number[];
  /** When the faults started and stopped (ms since the epoch), when known. */
  readonly faultsFrom?: number;
  readonly faultsUntil?: number;
}

/** Collects a run's accepted replies as they come (run.ts calls reply() from its delivery listener). */
export class Timeline {
  private readonly replies = new Map<string, ReplyPoint[]>();
  private readonly roundTripsMs: number[] = [];
  private faultsFrom?: number;
  private faultsUntil?: number;

  constructor(private readonly now: () => number = Date.now) {}

  /** A delivery line of the function: only accepted (completed) replies of a known loop count. */
  reply(line: DeliveryLine): void {
    if (line.outcome !== 'completed' || line.loop === undefined) return;
    if (typeof line.iteration === 'number') {
      const points = this.replies.get(line.loop) ?? [];
      points.push({ at: this.now(), iteration: line.iteration });
      this.replies.set(line.loop, points);
    }
    if (typeof line.roundTripMs === 'number') this.roundTripsMs.push(line.roundTripMs);
  }

  /** The fault phase began (now). */
  faultsStarted(): void {
    this.faultsFrom = this.now();
  }

  /** The fault phase ended (now). */
  faultsStopped(): void {
    this.faultsUntil = this.now();
  }

  data(): TimelineData {
    return {
      replies: Object.fromEntries([...this.replies].map(([loop, points]) => [loop, [...points]])),
      roundTripsMs: [...this.roundTripsMs],
      ...(this.faultsFrom !== undefined ? { faultsFrom: this.faultsFrom } : {}),
      ...(this.faultsUntil !== undefined ? { faultsUntil: this.faultsUntil } : {}),
    };
  }
}
