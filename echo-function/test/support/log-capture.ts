/** A delivery log line as the worker library writes it (contract §4), read loosely. */
export type LogEntry = Record<string, unknown>;

/** Collects the worker's log entries instead of printing them. */
export class LogCapture {
  readonly entries: LogEntry[] = [];
  readonly logger = (entry: object): void => {
    this.entries.push({ ...entry } as LogEntry);
  };

  clear(): void {
    this.entries.length = 0;
  }

  /** The single entry of the last delivery; fails the test when there is not exactly one. */
  only(): LogEntry {
    if (this.entries.length !== 1)
      throw new Error(`expected one log entry, got ${this.entries.length}: ${JSON.stringify(this.entries)}`);
    return this.entries[0]!;
  }
}
