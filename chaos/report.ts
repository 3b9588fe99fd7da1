/**
 * The report of a chaos run (run.ts): what turned, what was injected, how fast every loop recovered,
 * where every message ended up, how the database grew, and every violation with the faults before it.
 */
import type { Ledger, Violation } from './accounting';
import type { InjectedFault } from './recovery';

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

/** Sizes of the database, before and after the fault phase. */
export interface DatabaseSize {
  readonly bytes: number;
  readonly tables: ReadonlyMap<string, number>;
}

/** The growth during the fault phase: in all, per 1000 iterations, and of the tables that grew most. */
export function databaseGrowth(before: DatabaseSize, after: DatabaseSize, iterations: number): ChaosReport['database'] {
  return {
    bytesBefore: before.bytes,
    bytesAfter: after.bytes,
    bytesPer1000Iterations: iterations > 0 ? Math.round(((after.bytes - before.bytes) / iterations) * 1000) : null,
    growthByTable: Object.fromEntries(
      [...after.tables]
        .map(([table, bytes]) => [table, bytes - (before.tables.get(table) ?? 0)] as const)
        .filter(([, growth]) => growth > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8),
    ),
  };
}

/** One line per fault, for the report and the violations: when, what, where, how it recovered. */
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
