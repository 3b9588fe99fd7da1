// Finds the Pub/Sub message inside whatever the Functions Framework hands the handler. Eventarc sends
// a binary CloudEvent whose data is {message, subscription}; the framework converts a raw push body
// into the same shape; a raw push body without data is left unconverted, so that shape is read too.

export interface PubsubEnvelope {
  readonly messageId?: string;
  readonly deliveryAttempt?: number;
  /** The message data as sent (base64 text if well formed); absent for an attribute-only message. */
  readonly data?: unknown;
  readonly attributes: Readonly<Record<string, string>>;
}

export type EnvelopeResult =
  | { readonly ok: true; readonly envelope: PubsubEnvelope }
  | { readonly ok: false; readonly reason: string; readonly messageId?: string };

/** The handler's view of a CloudEvent: any field may be missing or of the wrong type. */
export type LooseEvent = { readonly [key: string]: unknown } | null | undefined;

// A binary CloudEvent with a non-JSON content type arrives as text or bytes. A valid envelope is
// at most about 90 KB (64 KiB of data in base64 plus metadata), so bigger text is not parsed.
const MAX_ENVELOPE_CHARS = 1024 * 1024;

export function readEnvelope(event: LooseEvent): EnvelopeResult {
  const eventId = shortString(event?.id);
  const eventData = asRecord(parseIfText(event?.data));
  // `message` at the top level: a raw push body the framework did not convert.
  const holder = eventData ?? asRecord(event);
  const message = asRecord(holder?.message);
  if (!holder || !message) {
    return { ok: false, reason: 'event carries no Pub/Sub message', messageId: eventId };
  }
  return {
    ok: true,
    envelope: {
      messageId: shortString(message.messageId) ?? shortString(message.message_id) ?? eventId,
      deliveryAttempt: readAttempt(holder.deliveryAttempt ?? message.deliveryAttempt),
      data: message.data,
      attributes: readAttributes(message.attributes),
    },
  };
}

function parseIfText(data: unknown): unknown {
  const text =
    typeof data === 'string' ? data : data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : undefined;
  if (text === undefined) return data;
  if (text.length > MAX_ENVELOPE_CHARS) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  const isPlainRecord =
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
  return isPlainRecord ? (value as Record<string, unknown>) : undefined;
}

/** Strings from outside end up in log lines: keep them short. */
function shortString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 200) : undefined;
}

function readAttempt(value: unknown): number | undefined {
  const attempt = typeof value === 'string' ? Number(value) : value;
  return typeof attempt === 'number' && Number.isSafeInteger(attempt) && attempt > 0 ? attempt : undefined;
}

function readAttributes(value: unknown): Record<string, string> {
  const entries = Object.entries(asRecord(value) ?? {});
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
