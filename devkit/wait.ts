/**
 * Waiting for a condition with a deadline, instead of sleeping a fixed time and hoping: a test that
 * waits this way passes on a machine twice as fast or twice as slow.
 *
 *   await waitFor(() => server.requests.length === 2, { timeoutMs: 5_000, what: 'both requests' });
 */

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** What is awaited, for the error: "timed out after 10000 ms waiting for <what>". */
  readonly what?: string;
  /** Pause between two looks (default 20 ms). */
  readonly intervalMs?: number;
}

/**
 * Resolves with the condition's first truthy value. A condition that throws counts as not met yet;
 * its last error is the cause of the time-out error.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message ?? lastError})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'the condition'}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(Math.min(options.intervalMs ?? 20, Math.max(0, deadline - Date.now())));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
