import type { DeliveryLog, DeliveryLogger } from '../../src/log';

/** Collects the handler's log entries instead of printing them. */
export class LogCapture {
  readonly entries: DeliveryLog[] = [];
  readonly logger: DeliveryLogger = (entry) => {
    this.entries.push(entry);
  };

  clear(): void {
    this.entries.length = 0;
  }

  /** The single entry of the last delivery; fails the test when there is not exactly one. */
  only(): DeliveryLog {
    if (this.entries.length !== 1)
      throw new Error(`expected one log entry, got ${this.entries.length}: ${JSON.stringify(this.entries)}`);
    return this.entries[0]!;
  }
}
