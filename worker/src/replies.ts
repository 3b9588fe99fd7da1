// The bodies the worker posts to /engine-rest/message (contract §3), and the check that a handler's
// result can travel as a Json variable.
import { MAX_ERROR_MESSAGE_CHARS } from './bpmn-error';
import { MAX_JSON_DEPTH, nestsAtMost, type ReplyAddress } from './message';

export const REPLY_MESSAGE = 'PushTaskReply';
export const REPLY_CONTRACT_VERSION = 1;
/** Largest result, as JSON text in UTF-8. */
export const MAX_RESULT_BYTES = 64 * 1024;

/** What the worker answers for one task. */
export type Reply =
  | { readonly outcome: 'completed'; readonly resultJson: string | null }
  | { readonly outcome: 'error'; readonly code: string; readonly message: string }
  | { readonly outcome: 'failed'; readonly message: string };

type Body = Readonly<Record<string, unknown>>;

const correlation = (messageName: string, address: ReplyAddress): Body => ({
  messageName,
  processInstanceId: address.processInstanceId,
  correlationKeys: { requestId: { value: address.requestId, type: 'String' } },
});

const text = (value: string) => ({ value: value.slice(0, MAX_ERROR_MESSAGE_CHARS), type: 'String' });

/** The final reply: PushTaskReply with pushContractVersion, pushOutcome and the outcome's variables. */
export function replyBody(address: ReplyAddress, reply: Reply): Body {
  const variables: Record<string, unknown> = {
    pushContractVersion: { value: REPLY_CONTRACT_VERSION, type: 'Integer' },
    pushOutcome: { value: reply.outcome, type: 'String' },
  };
  if (reply.outcome === 'completed') {
    variables.result =
      reply.resultJson === null ? { value: null, type: 'Null' } : { value: reply.resultJson, type: 'Json' };
  } else if (reply.outcome === 'error') {
    variables.pushErrorCode = { value: reply.code, type: 'String' };
    variables.pushErrorMessage = text(reply.message);
  } else {
    variables.pushErrorMessage = text(reply.message);
  }
  return { ...correlation(REPLY_MESSAGE, address), processVariables: variables };
}

/**
 * "Still working": a PushTaskReply with pushOutcome working, which leads PushTask back to its wait and
 * re-arms the re-publish timer. Both variables are transient: PushTask reads them in the heartbeat's own
 * transaction, and nothing of a heartbeat is stored.
 */
export function heartbeatBody(address: ReplyAddress): Body {
  const transient = (value: string | number, type: string) => ({ value, type, valueInfo: { transient: true } });
  return {
    ...correlation(REPLY_MESSAGE, address),
    processVariables: {
      pushContractVersion: transient(REPLY_CONTRACT_VERSION, 'Integer'),
      pushOutcome: transient('working', 'String'),
    },
  };
}

/** The result as JSON text (null for none), or why it cannot be sent. */
export function serializeResult(result: unknown): { ok: true; json: string | null } | { ok: false; reason: string } {
  if (result === undefined || result === null) return { ok: true, json: null };
  let json: string | undefined;
  try {
    json = JSON.stringify(result) as string | undefined;
  } catch (error) {
    // A cycle, a BigInt, a throwing toJSON, a nesting too deep for the stack.
    return { ok: false, reason: `the handler's result is not JSON-serializable: ${(error as Error).message}` };
  }
  if (json === undefined) {
    return { ok: false, reason: `the handler's result is not JSON-serializable (a ${typeof result})` };
  }
  if (json === 'null') return { ok: true, json: null };
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_RESULT_BYTES) {
    return { ok: false, reason: `the handler's result is ${bytes} bytes of JSON, more than ${MAX_RESULT_BYTES}` };
  }
  // Checked on the text (bounded by the size check), not the value, which may share or cycle references.
  if (!nestsAtMost(JSON.parse(json), MAX_JSON_DEPTH)) {
    return { ok: false, reason: `the handler's result nests deeper than ${MAX_JSON_DEPTH} levels` };
  }
  return { ok: true, json };
}
