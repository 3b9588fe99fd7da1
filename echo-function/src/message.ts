// Decodes and validates the message data: base64 of UTF-8 JSON, checked against a zod schema.
// Every failure becomes a reason string: an invalid message is acked and logged, never retried.
import { z } from 'zod';
import { SAFE_NAME } from './config';

export const MAX_DATA_BYTES = 64 * 1024;
// Longest base64 text that can decode to MAX_DATA_BYTES: longer data is refused before decoding.
const MAX_BASE64_CHARS = Math.ceil(MAX_DATA_BYTES / 3) * 4;
const MAX_REASON_CHARS = 300;
// JSON.stringify recurses: a payload nested a few thousand levels deep would overflow the stack
// when the reply is built, and fail on every redelivery. Such a message is refused up front.
export const MAX_PAYLOAD_DEPTH = 100;

// Camunda ids are UUIDs or numbers, stored in 64-character columns.
const CAMUNDA_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
// Printable text without control characters: these values land in correlation keys and log lines.
const PRINTABLE = /^[^\p{Cc}]{1,100}$/u;

export const echoRequestSchema = z.object({
  messageName: z.string().regex(SAFE_NAME, 'must be a name like "echo"'),
  replyMessageName: z.string().regex(SAFE_NAME, 'must be a Camunda message name like "EchoReply"'),
  processInstanceId: z.string().regex(CAMUNDA_ID, 'must be a Camunda id'),
  requestId: z.string().regex(PRINTABLE, 'must be 1 to 100 printable characters'),
  sentAt: z.iso.datetime({ offset: true }),
  loop: z.string().regex(PRINTABLE, 'must be 1 to 100 printable characters').optional(),
  iteration: z.int().min(0).optional(),
  payload: z
    .unknown()
    .refine((value) => nestsAtMost(value, MAX_PAYLOAD_DEPTH), `nests deeper than ${MAX_PAYLOAD_DEPTH} levels`)
    .optional(),
});

export type EchoRequest = z.infer<typeof echoRequestSchema>;

/** Fields of an invalid message that are individually valid: enough to find it in the logs. */
export type MessageHints = Partial<
  Pick<EchoRequest, 'messageName' | 'processInstanceId' | 'requestId' | 'sentAt' | 'loop' | 'iteration'>
>;

export type DecodeResult =
  | { readonly ok: true; readonly request: EchoRequest }
  | { readonly ok: false; readonly reason: string; readonly hints: MessageHints };

export function decodeEchoRequest(data: unknown, knownMessageNames: ReadonlySet<string>): DecodeResult {
  const json = decodeJson(data);
  if (typeof json === 'string') return invalid(json);
  const parsed = echoRequestSchema.safeParse(json.value);
  if (!parsed.success) return invalid(summarizeIssues(parsed.error.issues), hintsFrom(json.value));
  const request = parsed.data;
  if (!knownMessageNames.has(request.messageName)) {
    return invalid(`unknown messageName '${request.messageName}'`, hintsFrom(request));
  }
  return { ok: true, request };
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
function nestsAtMost(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= maxDepth) return false;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return true;
}

function invalid(reason: string, hints: MessageHints = {}): DecodeResult {
  return { ok: false, reason: truncate(reason), hints };
}

function summarizeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
}

const HINT_FIELDS = ['messageName', 'processInstanceId', 'requestId', 'sentAt', 'loop', 'iteration'] as const;

function hintsFrom(value: unknown): MessageHints {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const hints: Record<string, unknown> = {};
  for (const field of HINT_FIELDS) {
    const checked = echoRequestSchema.shape[field].safeParse(record[field]);
    if (checked.success && checked.data !== undefined) hints[field] = checked.data;
  }
  return hints as MessageHints;
}
