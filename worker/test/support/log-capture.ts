import type { DeliveryLog, HeartbeatLog, LogLine, WorkerLogger } from '../../src/log';

/** Collects the worker's log lines instead of printing them. */
export class LogCapture {
  readonly entries: LogLine[] = [];
  readonly logger: WorkerLogger = (line) => {
    this.entries.push(line);
  };

  clear(): void {
    this.entries.length = 0;
  }

  /** The delivery lines (those with an outcome). */
  deliveries(): DeliveryLog[] {
    return this.entries.filter((line): line is DeliveryLog => 'outcome' in line);
  }

  heartbeats(): HeartbeatLog[] {
    return this.entries.filter((line): line is HeartbeatLog => 'heartbeat' in line);
  }

  /** The single line of the last delivery; fails the test when there is not exactly one. */
  only(): DeliveryLog {
    const lines = this.deliveries();
    if (lines.length !== 1 || this.entries.length !== 1)
      throw new Error(`expected one log line, got ${this.entries.length}: ${JSON.stringify(this.entries)}`);
    return lines[0]!;
  }
}
