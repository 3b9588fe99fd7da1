// The one error a delivery throws on purpose: the framework answers 500 and Pub/Sub redelivers.

/** Thrown to make the framework answer 500, so that Pub/Sub redelivers the message. */
export class RedeliveryRequested extends Error {
  constructor(detail: string) {
    super(`redelivery requested: ${detail}`);
    this.name = 'RedeliveryRequested';
    // The framework prints the stack of a thrown error; a deliberate retry needs no trace.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Bearer tokens and basic credentials in text that goes into replies and log lines, blanked. */
export function withoutCredentials(text: string): string {
  return text.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
}

/** The text of whatever a handler threw: its message (with a telling name), never its stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return withoutCredentials(`${name}${error.message || '(no message)'}`.replace(/\s+/g, ' ').trim());
  }
  let text: string;
  try {
    text = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    text = String(error);
  }
  return withoutCredentials(`thrown: ${text}`.slice(0, 1000));
}
