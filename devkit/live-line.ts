/**
 * A live status line on stderr for long-running tools: redrawn in place on a terminal, and printed
 * as a plain line every few seconds otherwise (a log file or a CI console keeps a readable history).
 */
export class LiveLine {
  private readonly tty: boolean;
  private shown = false;
  private lastPrinted = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Off a terminal, at most one line per this long. */
    private readonly plainEveryMs = 5_000,
  ) {
    this.tty = stream.isTTY === true;
  }

  update(text: string): void {
    if (this.tty) {
      const width = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
      this.shown = true;
    } else if (Date.now() - this.lastPrinted >= this.plainEveryMs) {
      this.stream.write(`${text}\n`);
      this.lastPrinted = Date.now();
    }
  }

  /** Writes a message of its own on a fresh line (and leaves the live line to be redrawn). */
  say(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  clear(): void {
    if (this.tty && this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  /** How often to update: often on a terminal, less off it. */
  get interval(): number {
    return this.tty ? 500 : 1_000;
  }
}
