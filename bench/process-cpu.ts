/**
 * Where a step's CPU goes on the machine, by process: each child of the local stack (the engine,
 * PostgreSQL, the Pub/Sub emulator, the echo function), with everything it started, since each runs in
 * a process group of its own (local/processes.ts); the benchmark's own process, in which the pull
 * worker, the push relay, the counting proxy and the log reading run; and the rest of the machine, the
 * kernel's own work included (/proc/stat). On a machine that runs the whole stack, the engine is one
 * share of the CPU a round trip costs: these figures say how many round trips the CPUs could carry at
 * all, and which process holds the rest.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { runningChildren } from '../local/processes';
import { procStat, TICKS_PER_SECOND } from './measure';
import { formatTable, round, type StepResult } from './results';

/** The benchmark's own process, under this name. */
export const BENCH_PROCESS = 'bench';
/** Everything else the machine ran: other processes and the kernel. */
export const REST_OF_MACHINE = 'rest of the machine';
/** All CPUs together. */
export const WHOLE_MACHINE = 'machine';

/** One process as /proc/PID/stat gives it. */
export interface ProcessTicks {
  readonly pid: number;
  readonly parent: number;
  /** Its process group. */
  readonly group: number;
  /** User + system time so far, in clock ticks. */
  readonly ticks: number;
}

/** CPU seconds so far per name, and of the whole machine. */
export interface CpuSnapshot {
  readonly seconds: ReadonlyMap<string, number>;
  readonly machineSeconds: number;
}

/**
 * CPU seconds per name: a process counts for the first of itself and its ancestors that leads a named
 * process group or belongs to one (`leaders`: process group id to name), or for the benchmark when that
 * is `self`. Ancestors matter: PostgreSQL's server processes each start a session of their own. Any
 * other process is not counted here.
 */
export function secondsByName(
  processes: readonly ProcessTicks[],
  leaders: ReadonlyMap<number, string>,
  self: number,
): Map<string, number> {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const nameOf = (start: ProcessTicks): string | undefined => {
    for (let p: ProcessTicks | undefined = start, depth = 0; p && depth < 64; p = byPid.get(p.parent), depth += 1) {
      const name = leaders.get(p.pid) ?? leaders.get(p.group) ?? (p.pid === self ? BENCH_PROCESS : undefined);
      if (name !== undefined) return name;
    }
    return undefined;
  };
  const seconds = new Map<string, number>();
  for (const p of processes) {
    const name = nameOf(p);
    if (name !== undefined) seconds.set(name, (seconds.get(name) ?? 0) + p.ticks / TICKS_PER_SECOND);
  }
  return seconds;
}

/**
 * CPU ms per round trip between two snapshots, per name, with the rest of the machine and the whole
 * machine; null without round trips.
 */
export function cpuMsPerRoundTrip(
  before: CpuSnapshot,
  after: CpuSnapshot,
  roundTrips: number,
): Record<string, number> | null {
  if (roundTrips === 0) return null;
  const perTrip = (seconds: number) => round((Math.max(0, seconds) * 1000) / roundTrips, 1);
  const figures: Record<string, number> = {};
  let counted = 0;
  for (const [name, seconds] of after.seconds) {
    const used = seconds - (before.seconds.get(name) ?? 0);
    counted += used;
    figures[name] = perTrip(used);
  }
  const machine = after.machineSeconds - before.machineSeconds;
  figures[REST_OF_MACHINE] = perTrip(machine - counted);
  figures[WHOLE_MACHINE] = perTrip(machine);
  return figures;
}

/** The stack's processes in the order the table shows them; any other name follows them. */
const COLUMN_ORDER = ['engine', 'postgres', 'pubsub-emulator', 'echo-function', BENCH_PROCESS];

/**
 * A row per step: CPU ms per round trip by process, and the round trips per second the machine's CPUs
 * could carry at all at that cost (every CPU busy, nothing else running).
 */
export function processCpuTable(steps: readonly StepResult[], cpus: number): string {
  const measured = steps.filter((step) => step.cpuMsPerRoundTripByProcess);
  const seen = new Set(measured.flatMap((step) => Object.keys(step.cpuMsPerRoundTripByProcess!)));
  const ranked = (name: string) => {
    const at = COLUMN_ORDER.indexOf(name);
    return at < 0 ? COLUMN_ORDER.length : at;
  };
  const names = [...seen]
    .filter((name) => name !== REST_OF_MACHINE && name !== WHOLE_MACHINE)
    .sort((a, b) => ranked(a) - ranked(b));
  const columns = [...names, REST_OF_MACHINE, WHOLE_MACHINE];
  return formatTable(
    ['CPU ms per round trip', 'loops', ...columns, `${cpus} CPUs carry at most /s`],
    measured.map((step) => {
      const figures = step.cpuMsPerRoundTripByProcess!;
      const machine = figures[WHOLE_MACHINE] ?? 0;
      return [
        step.pattern,
        step.loops,
        ...columns.map((name) => figures[name] ?? null),
        machine > 0 ? Math.round((cpus * 1000) / machine) : null,
      ];
    }),
  );
}

/** The snapshot now: every running child of the stack with its process group, and this process. */
export function cpuSnapshot(): CpuSnapshot {
  const leaders = new Map<number, string>();
  for (const child of runningChildren()) {
    if (child.process.pid !== undefined) leaders.set(child.process.pid, child.name);
  }
  return { seconds: secondsByName(readProcesses(), leaders, process.pid), machineSeconds: machineCpuSeconds() };
}

/** Every process /proc lists now; one that ends while it is read is left out. */
export function readProcesses(): ProcessTicks[] {
  const found: ProcessTicks[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      found.push({ pid: Number(entry), ...procStat(entry) });
    } catch {
      // it has ended
    }
  }
  return found;
}

/**
 * CPU seconds all CPUs of the machine have spent busy since boot: user, nice, system, irq and softirq
 * (guest time is inside user already); idle, I/O wait and the time a hypervisor stole are not work done.
 */
export function machineCpuSeconds(): number {
  const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/);
  return [user, nice, system, irq, softirq].reduce((sum, ticks) => sum + Number(ticks ?? 0), 0) / TICKS_PER_SECOND;
}
