// A business failure: the handler throws a BpmnError, the worker sends one `error` reply, and PushTask
// raises a BPMN error with this code on the caller's call activity (an error boundary event catches it).

/** Error codes a worker may raise (contract §3). */
export const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Codes PushTask raises itself: a worker raising them would be mistaken for PushTask's own outcomes. */
export const RESERVED_ERROR_CODES: ReadonlySet<string> = new Set(['PushTaskFailed', 'PushTaskTimeout']);
/** The engine keeps pushErrorMessage to this length. */
export const MAX_ERROR_MESSAGE_CHARS = 1000;

export class BpmnError extends Error {
  /**
   * @param code the BPMN error code the caller's boundary event catches, e.g. `OutOfStock`
   * @param message human text for the caller (errorMessageVariable), at most 1000 characters kept
   * @throws TypeError when the code is not a valid or is a reserved error code
   */
  constructor(
    readonly code: string,
    message = '',
  ) {
    if (typeof code !== 'string' || !ERROR_CODE.test(code)) {
      throw new TypeError(
        `BpmnError code must match ${ERROR_CODE} (a letter, then up to 63 letters, digits, '_', '.', '-'), got ${JSON.stringify(code)}`,
      );
    }
    if (RESERVED_ERROR_CODES.has(code)) {
      throw new TypeError(
        `BpmnError code '${code}' is reserved for PushTask's own outcomes: choose a code of your own, e.g. 'OutOfStock'`,
      );
    }
    super(String(message).slice(0, MAX_ERROR_MESSAGE_CHARS));
    this.name = 'BpmnError';
  }
}

/** True for a BpmnError, also one from another copy of this package (instanceof fails across copies). */
export function isBpmnError(error: unknown): error is BpmnError {
  if (error instanceof BpmnError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof Error &&
    error.name === 'BpmnError' &&
    typeof code === 'string' &&
    ERROR_CODE.test(code) &&
    !RESERVED_ERROR_CODES.has(code)
  );
}
