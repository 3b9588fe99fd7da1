/**
 * Recovery after each fault: the time from the moment a fault hit until every loop it affected had a
 * reply accepted again (a completed round trip). A loop-level fault (a refused publish, a lost ack)
 * affects the loop whose request met it; a stack-level fault (engine, function, database) affects
 * every loop. A fault not recovered within its bound is a stall.
 */
import type { FaultClass, PlannedFault } from './schedule';

export interface InjectedFault extends PlannedFault {
  /** When the fault hit (ms since the epoch). */
  readonly at: number;
  /** The loops it affects. */
  readonly loops: readonly string[];
  /** The loop, iteration and message of the request that met it, when it was one request. */
  readonly loop?: string;
  readonly iteration?: number;
  readonly messageId?: string;
  /** Anything learnt while it played out (a reply that raced ahead, ...). */
  note?: string;
  recoveryMs?: number;
}

interface Open {
  readonly fault: InjectedFault;
  /** Replies accepted before this moment do not count (a part of the stack was still coming back). */
  readonly countFrom: number;
  readonly waiting: Set<string>;
  readonly boundMs: number;
  overdue: boolean;
}

export class RecoveryTracker {
  readonly faults: InjectedFault[] = [];
  private readonly open: Open[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Starts timing a fault that hit at `fault.at`. `countFrom` (default: then) is when replies start to
   * count: for a restart, once the part is back, so that a reply squeezed in before it went down is no recovery.
   */
  hit(fault: InjectedFault, boundMs: number, countFrom: number = fault.at): void {
    this.faults.push(fault);
    this.open.push({ fault, countFrom, waiting: new Set(fault.loops), boundMs, overdue: false });
  }

  /** Expects every one of `loops` to turn within `boundMs` from now, without a fault (the check once faults stopped). */
  expectTurn(loops: readonly string[], boundMs: number): void {
    const check: InjectedFault = { index: 0, faultClass: 'publish-429', gapMs: 0, at: this.now(), loops };
    this.open.push({ fault: check, countFrom: check.at, waiting: new Set(loops), boundMs, overdue: false });
  }

  /** A reply of `loop` was accepted at `at`. */
  delivered(loop: string, at: number = this.now()): void {
    for (const entry of [...this.open]) {
      if (at < entry.countFrom || !entry.waiting.delete(loop) || entry.waiting.size > 0) continue;
      entry.fault.recoveryMs = at - entry.fault.at;
      this.open.splice(this.open.indexOf(entry), 1);
    }
  }

  /** Whether no fault is still waiting for its loops to turn again. */
  get allRecovered(): boolean {
    return this.open.length === 0;
  }

  /** Faults past their bound that were not reported before, with the loops still waiting. */
  overdue(): Array<{ fault: InjectedFault; loops: string[]; waitedMs: number }> {
    const now = this.now();
    return this.open
      .filter((entry) => !entry.overdue && now - entry.fault.at > entry.boundMs)
      .map((entry) => {
        entry.overdue = true;
        return { fault: entry.fault, loops: [...entry.waiting], waitedMs: now - entry.fault.at };
      });
  }

  /** The longest recovery per fault class (null: none recovered), over faults that recovered. */
  worstByClass(classes: readonly FaultClass[]): Record<string, number | null> {
    const worst: Record<string, number | null> = Object.fromEntries(classes.map((c) => [c, null]));
    for (const fault of this.faults) {
      if (fault.recoveryMs === undefined) continue;
      worst[fault.faultClass] = Math.max(worst[fault.faultClass] ?? 0, fault.recoveryMs);
    }
    return worst;
  }

  /** Faults injected per class. */
  countByClass(classes: readonly FaultClass[]): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
    for (const fault of this.faults) counts[fault.faultClass] = (counts[fault.faultClass] ?? 0) + 1;
    return counts;
  }

  /** The faults that hit `loop` (or every loop) up to `until`, latest last: the schedule that led to a violation. */
  leadingTo(loop: string | undefined, until: number, last = 10): InjectedFault[] {
    return this.faults
      .filter((fault) => fault.at <= until && (loop === undefined || fault.loops.includes(loop)))
      .slice(-last);
  }
}
