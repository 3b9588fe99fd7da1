/**
 * The one folder a local run keeps its state in (default .local/run, ignored by git): the engine's H2
 * files, every log, and the ids of the processes it started. (The throwaway PostgreSQL cluster lives
 * under the system's temp folder, where its server user can reach it; postgres/cluster links to it.)
 *
 * Every child is ended when the run ends, however it ends, except when the run itself is killed with
 * SIGKILL: then nothing in this process gets a chance to run, and its children (each in its own
 * process group) live on. So the ids are written down, and the next run in the same folder ends those
 * leftovers before it wipes the folder, and starts cleanly.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Child } from './processes';

/** Marks a folder as a local run's, so that wiping it can never remove anything else. */
const MARKER = '.camunda-serverless-run';
const CHILDREN_FILE = 'children.json';

interface RecordedChild {
  readonly name: string;
  readonly pid: number;
  /** /proc/PID/cmdline when started: a recycled id belongs to another command and is left alone. */
  readonly cmdline: string;
}

/**
 * Ends what a killed earlier run left running, then empties the folder (or creates it). Refuses a
 * folder that is neither empty nor marked as a run folder. Returns the names of the leftovers ended.
 * `beforeWipe` runs once the leftovers are ended, for what the run kept outside the folder.
 */
export function prepareRunFolder(folder: string, beforeWipe?: (folder: string) => void): string[] {
  const ended: string[] = [];
  if (existsSync(folder)) {
    const entries = readdirSync(folder);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(`refusing to wipe ${folder}: it is not empty and not a local run folder (no ${MARKER} in it)`);
    }
    ended.push(...endLeftovers(folder));
    beforeWipe?.(folder);
    rmSync(folder, { recursive: true, force: true });
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, MARKER), 'State of a local run (npm run local); wiped when the next one starts.\n');
  return ended;
}

/** Writes down the process groups of `children`, for the next run to end if this one is killed. */
export function recordChildren(folder: string, children: readonly Child[]): void {
  const recorded: RecordedChild[] = children.flatMap((child) => {
    const pid = child.process.pid;
    const cmdline = pid === undefined ? undefined : commandLine(pid);
    return pid === undefined || cmdline === undefined ? [] : [{ name: child.name, pid, cmdline }];
  });
  writeFileSync(join(folder, CHILDREN_FILE), `${JSON.stringify(recorded, null, 2)}\n`);
}

/** The process groups written down in `folder` that still run the same command. */
export function leftoverChildren(folder: string): RecordedChild[] {
  let recorded: RecordedChild[];
  try {
    recorded = JSON.parse(readFileSync(join(folder, CHILDREN_FILE), 'utf8')) as RecordedChild[];
  } catch {
    return [];
  }
  return recorded.filter(
    (child) => commandLine(child.pid) === child.cmdline && processGroupOf(child.pid) === child.pid,
  );
}

function endLeftovers(folder: string): string[] {
  const leftovers = leftoverChildren(folder);
  for (const child of leftovers) {
    try {
      process.kill(-child.pid, 'SIGKILL'); // the whole group: an engine's or emulator's JVM included
    } catch {
      // gone in the meantime
    }
  }
  return leftovers.map((child) => `${child.name} (pid ${child.pid})`);
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined; // not running (or no /proc: then leftovers cannot be recognised, and are left alone)
  }
}

function processGroupOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (command) state ppid pgrp ..."; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}
