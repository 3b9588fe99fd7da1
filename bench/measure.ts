/**
 * What the benchmark measures, the same way for every pattern:
 * - round trips: the engine's own history of the called process (PushTask for push, EchoPull for pull),
 *   start to end, for every instance that completed inside the measured window: the same clock and the
 *   same boundaries whether the work went out by Pub/Sub or was fetched by a worker;
 * - the engine process's CPU seconds (/proc/PID/stat) and its peak resident memory, sampled.
 */
import { readFileSync } from 'node:fs';

import type { CamundaRest } from '../local/camunda-rest';

export interface HistoricInstance {
  readonly id: string;
  readonly processDefinitionKey: string;
  readonly startTime: string;
  readonly endTime: string | null;
  readonly durationInMillis: number | null;
  readonly state: string;
}

/** Camunda's REST date format: no 'Z', an explicit offset. */
export function camundaDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Completed instances of `processKey` that finished within [fromMs, toMs). */
export async function completedInstances(
  rest: CamundaRest,
  processKey: string,
  fromMs: number,
  toMs: number,
): Promise<HistoricInstance[]> {
  const found: HistoricInstance[] = [];
  const page = 1000;
  for (let first = 0; ; first += page) {
    const query = new URLSearchParams({
      processDefinitionKey: processKey,
      finishedAfter: camundaDate(fromMs),
      finishedBefore: camundaDate(toMs),
      firstResult: String(first),
      maxResults: String(page),
    });
    const batch = await rest.expectOk<HistoricInstance[]>('GET', `/history/process-instance?${query.toString()}`);
    found.push(...batch.filter((instance) => instance.state === 'COMPLETED'));
    if (batch.length < page) return found;
  }
}

/** Clock ticks per second of /proc's CPU times: USER_HZ on Linux. */
export const TICKS_PER_SECOND = 100;

/** A process's parent, process group and user + system CPU ticks so far, from /proc/PID/stat. */
export function procStat(pid: number | string): { parent: number; group: number; ticks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: ppid 4, pgrp 5, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { parent: Number(f[1]), group: Number(f[2]), ticks: Number(f[11]) + Number(f[12]) };
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  return procStat(pid).ticks / TICKS_PER_SECOND;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** Samples a process's resident memory until stopped; `peak` is the largest sample. */
export class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    try {
      this.peak = Math.max(this.peak, rssMiB(this.pid));
    } catch {
      // the process is gone: keep the peak so far
    }
  }
}
