import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Child processes of the local stack. Each is started in its own process group and written down here,
 * so that it is ended with everything it started when it is stopped, when this process exits, and when
 * it is interrupted (Ctrl-C, SIGTERM): a local run never leaves an engine or an emulator behind.
 */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines it wrote, for error messages. */
  tail(lines?: number): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
}

const running = new Set<Child>();

export interface StartOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** A file that receives everything the child writes to stdout and stderr. */
  logFile?: string;
}

export function startChild(name: string, command: string, args: string[], options: StartOptions = {}): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that stop() reaches its children too
  });
  const recent: string[] = [];
  let log: ReturnType<typeof createWriteStream> | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: 'a' });
  }
  const record = (chunk: Buffer) => {
    log?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) recent.push(line);
    }
    if (recent.length > 200) recent.splice(0, recent.length - 200);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);

  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      recent.push(`${name}: ${error.message}`);
      resolve('error');
    });
    // 'close' comes after the output streams are drained, so the log file gets every last line.
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  }).finally(() => {
    running.delete(handle);
    log?.end();
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  const handle: Child = {
    name,
    process: child,
    exited,
    tail: (lines = 20) => recent.slice(-lines).join('\n'),
    async stop(graceMs = 10_000) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      signalGroup('SIGKILL');
      await exited;
    },
  };
  running.add(handle);
  return handle;
}

/** The children of this process still running, in order of start (the local stack writes their ids down). */
export function runningChildren(): readonly Child[] {
  return [...running];
}

/** Whether a process with this id still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops every child still running, gracefully and in reverse order of start. */
export async function stopAll(graceMs?: number): Promise<void> {
  for (const child of [...running].reverse()) await child.stop(graceMs);
}

function killAllNow(): void {
  for (const child of running) {
    if (child.process.pid !== undefined) {
      try {
        process.kill(-child.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

// The last line of defence: whatever way this process ends, its children end with it.
process.once('exit', killAllNow);
