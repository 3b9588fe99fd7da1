// Decodes and checks the message PushTask publishes (contract §2): base64 of UTF-8 JSON, at most
// 64 KiB. How a message fails decides what happens to it: without a usable processInstanceId and
// requestId no reply can reach the engine (poison: acked and logged); another task type's message is
// not this worker's to answer; any other flaw gets a `failed` reply naming it, so PushTask stops waiting.
import { z } from 'zod';

export const MESSAGE_VERSION = 1;
export const MAX_DATA_BYTES = 64 * 1024;
// Longest base64 text that can decode to MAX_DATA_BYTES: longer data is refused before decoding.
const MAX_BASE64_CHARS = Math.ceil(MAX_DATA_BYTES / 3) * 4;
const MAX_REASON_CHARS = 300;
// JSON.stringify recurses: a payload or result nested thousands of levels deep would overflow the stack.
export const MAX_JSON_DEPTH = 100;

/** The task type form of the contract, e.g. `price-order`. */
export const TASK_TYPE = /^[a-z][a-z0-9-]{0,62}$/;
// Camunda ids are UUIDs or numbers, stored in 64-character columns.
const CAMUNDA_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
// Printable text without control characters: these values land in correlation keys and log lines.
const PRINTABLE = /^[^\p{Cc}]{1,100}$/u;

const identitySchema = z.object({
  processInstanceId: z.string().regex(CAMUNDA_ID, 'must be a Camunda id'),
  requestId: z.string().regex(PRINTABLE, 'must be 1 to 100 printable characters'),
});

const restSchema = z.object({
  sentAt: z.iso.datetime({ offset: true }),
  deadline: z.iso.datetime({ offset: true }).optional(),
  payload: z
    .unknown()
    .refine((value) => nestsAtMost(value, MAX_JSON_DEPTH), `nests deeper than ${MAX_JSON_DEPTH} levels`)
    .optional(),
});

/** Where a reply goes: enough to answer a message, even a flawed one. */
export type ReplyAddress = z.infer<typeof identitySchema>;

export interface TaskMessage extends ReplyAddress {
  readonly version: typeof MESSAGE_VERSION;
  readonly taskType: string;
  readonly sentAt: string;
  readonly deadline?: string;
  readonly payload?: unknown;
}

export type DecodedMessage =
  | { readonly kind: 'ok'; readonly message: TaskMessage; readonly address: ReplyAddress }
  /** Nothing can be answered: ack and log. `hints` are the fields that were valid. */
  | { readonly kind: 'poison'; readonly reason: string; readonly hints: Partial<ReplyAddress> }
  /** Another task type's message (or none named): ack and log, no reply. */
  | {
      readonly kind: 'unknown-task';
      readonly reason: string;
      readonly address: ReplyAddress;
      readonly messageTaskType?: string;
    }
  /** A flawed message with a usable address: a `failed` reply names the flaw. */
  | { readonly kind: 'refused'; readonly reason: string; readonly address: ReplyAddress; readonly sentAt?: string };

/** Decodes the Pub/Sub data of a message meant for `taskType`. */
export function decodeMessage(data: unknown, taskType: string): DecodedMessage {
  const json = decodeJson(data);
  if (typeof json === 'string') return poison(json);
  const value = json.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return poison('message data is not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const identity = identitySchema.safeParse(record);
  if (!identity.success) return poison(summarizeIssues(identity.error.issues), validHints(record));
  const address = identity.data;
  if (record.version !== MESSAGE_VERSION) {
    const given = record.version === undefined ? 'none' : truncate(JSON.stringify(record.version), 40);
    const reason = `unsupported message version ${given}: this worker reads version ${MESSAGE_VERSION} (upgrade @camunda-serverless/worker)`;
    return { kind: 'refused', reason, address };
  }
  if (record.taskType !== taskType) {
    const named = typeof record.taskType === 'string' ? truncate(record.taskType, 70) : undefined;
    const reason = `taskType ${named === undefined ? 'none' : `'${named}'`} is not handled here (this worker handles '${taskType}')`;
    return { kind: 'unknown-task', reason, address, ...(named === undefined ? {} : { messageTaskType: named }) };
  }
  const rest = restSchema.safeParse(record);
  if (!rest.success) {
    const sentAt = restSchema.shape.sentAt.safeParse(record.sentAt);
    return {
      kind: 'refused',
      reason: truncate(summarizeIssues(rest.error.issues)),
      address,
      ...(sentAt.success ? { sentAt: sentAt.data } : {}),
    };
  }
  return { kind: 'ok', message: { ...address, version: MESSAGE_VERSION, taskType, ...rest.data }, address };
}

/** The parsed JSON value, or a reason why there is none. */
function decodeJson(data: unknown): { value: unknown } | string {
  if (data === undefined || data === null || data === '') return 'message has no data';
  if (typeof data !== 'string') return 'message data is not a base64 string';
  if (data.length > MAX_BASE64_CHARS) return `message data is larger than ${MAX_DATA_BYTES} bytes`;
  const bytes = Buffer.from(data, 'base64');
  // Node's decoder skips characters it does not know; a canonical round trip proves the text was base64.
  if (bytes.toString('base64') !== data) return 'message data is not valid base64';
  if (bytes.length > MAX_DATA_BYTES) return `message data is larger than ${MAX_DATA_BYTES} bytes`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'message data is not UTF-8';
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return 'message data is not JSON';
  }
}

/** True when no more than maxDepth arrays or objects are nested inside one another. */
export function nestsAtMost(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= maxDepth) return false;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return true;
}

/** `path: problem; path: problem`, the way every refusal names what is wrong. */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(message)'}: ${issue.message}`)
    .join('; ');
}

export function truncate(text: string, max = MAX_REASON_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function poison(reason: string, hints: Partial<ReplyAddress> = {}): DecodedMessage {
  return { kind: 'poison', reason: truncate(reason), hints };
}

function validHints(record: Record<string, unknown>): Partial<ReplyAddress> {
  const hints: Partial<Record<keyof ReplyAddress, string>> = {};
  for (const field of ['processInstanceId', 'requestId'] as const) {
    const checked = identitySchema.shape[field].safeParse(record[field]);
    if (checked.success) hints[field] = checked.data;
  }
  return hints;
}
