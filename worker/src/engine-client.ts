// Posts a reply or a heartbeat to Camunda (POST /engine-rest/message) and says what the answer means
// for the Pub/Sub message (contract §3): stored, nothing waits (ack, change nothing), or redelivery.
import type { WorkerConfig } from './config';
import type { Severity } from './log';

export interface IdTokenSource {
  /** A Google-signed ID token for the audience. */
  idToken(audience: string): Promise<string>;
}

export type Disposition = 'stored' | 'duplicate' | 'retry';

export interface Classification {
  readonly disposition: Disposition;
  readonly severity: Severity;
  /** Short human text for the log line; never holds a credential. */
  readonly detail: string;
}

export interface EngineAnswer extends Classification {
  readonly engineStatus?: number;
  readonly engineMs: number;
  /** Answers of 500 for a conflict (optimistic locking, a deadlock) that were sent again at once before this one. */
  readonly conflicts: number;
}

export interface EngineCallOptions {
  readonly idTokens?: IdTokenSource;
  readonly now?: () => number;
}

const MAX_DETAIL_CHARS = 200;
// Camunda's text when neither an execution nor a message start event matches (Camunda 7.x).
const NOTHING_MATCHES = /no process definition or execution matches/i;
// A reply that meets another transaction on the same instance (the publish job committing, a timer)
// gets 500 and stored nothing: OptimisticLockingException, or on PostgreSQL a deadlock or a foreign-key
// violation between the two commits (Camunda's built-in exception codes 1, 10000 and 10001, in the
// body's `code`). Sent again it succeeds or finds nothing waiting, so it is resent here at once instead
// of by a Pub/Sub redelivery, which waits at least the retry policy's 10 s.
const CONFLICT_TYPE = 'OptimisticLockingException';
const CONFLICT_CODES: readonly unknown[] = [1, 10_000, 10_001];
const CONFLICT_RETRY_DELAYS_MS = [10, 50, 150];

/** What an engine answer means for the Pub/Sub message. */
export function classifyEngineResponse(status: number, body: string): Classification {
  if (status >= 200 && status < 300) return { disposition: 'stored', severity: 'INFO', detail: 'engine took it' };
  const engineMessage = camundaMessage(body);
  if (status === 400 && NOTHING_MATCHES.test(engineMessage)) {
    // A duplicate delivery, a late reply after a timeout, an instance that is gone.
    return { disposition: 'duplicate', severity: 'NOTICE', detail: 'nothing waits for it: duplicate or late' };
  }
  const answer = shorten(`engine answered ${status}${engineMessage ? `: ${engineMessage}` : ''}`);
  if (status === 429 || status >= 500) return { disposition: 'retry', severity: 'WARNING', detail: answer };
  // More than one execution matching, 401, 403, 404 (misconfiguration) and redirects must not be acked:
  // retrying ends in the dead-letter topic, where they can be replayed once fixed.
  return { disposition: 'retry', severity: 'ERROR', detail: answer };
}

/** Sends one correlation body; `all` is never set, so that nothing matching is an answer of its own. */
export async function postMessage(
  body: Readonly<Record<string, unknown>>,
  config: WorkerConfig,
  options: EngineCallOptions = {},
): Promise<EngineAnswer> {
  const now = options.now ?? Date.now;
  const started = now();
  const elapsed = () => now() - started;
  let headers: Record<string, string>;
  try {
    headers = await requestHeaders(config, options.idTokens);
  } catch (error) {
    const detail = shorten(`could not get an ID token: ${errorText(error)}`);
    return { disposition: 'retry', severity: 'ERROR', detail, engineMs: elapsed(), conflicts: 0 };
  }
  const text = JSON.stringify(body);
  // One deadline for every attempt: a hung engine cannot outlive the push ack deadline.
  const deadline = AbortSignal.timeout(config.timeoutMs);
  for (let conflicts = 0; ; conflicts++) {
    try {
      const response = await fetch(config.messageEndpoint, {
        method: 'POST',
        headers,
        body: text,
        redirect: 'manual',
        signal: deadline,
      });
      const answer = await response.text();
      if (response.status === 500 && isConflict(answer) && conflicts < CONFLICT_RETRY_DELAYS_MS.length) {
        await new Promise((resolve) => setTimeout(resolve, CONFLICT_RETRY_DELAYS_MS[conflicts]));
        continue;
      }
      const engineStatus = response.status;
      return { ...classifyEngineResponse(engineStatus, answer), engineStatus, engineMs: elapsed(), conflicts };
    } catch (error) {
      const detail = isTimeout(error)
        ? `engine did not answer within ${config.timeoutMs} ms`
        : `engine unreachable: ${errorText(error)}`;
      return { disposition: 'retry', severity: 'WARNING', detail: shorten(detail), engineMs: elapsed(), conflicts };
    }
  }
}

async function requestHeaders(config: WorkerConfig, idTokens: IdTokenSource | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (config.basicAuth) {
    const { user, password } = config.basicAuth;
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  if (config.auth === 'id-token') {
    if (!idTokens) throw new Error('ENGINE_AUTH is id-token but no ID token source was given');
    const bearer = `Bearer ${await idTokens.idToken(config.audience)}`;
    // Cloud Run checks X-Serverless-Authorization first and passes Authorization on untouched. A private
    // engine (REST_AUTH=google) verifies the token in Authorization itself, to know the caller; a public
    // one takes basic credentials there.
    headers['x-serverless-authorization'] = bearer;
    if (!config.basicAuth) headers.authorization = bearer;
  }
  return headers;
}

function isConflict(body: string): boolean {
  try {
    const error = JSON.parse(body) as { type?: unknown; code?: unknown } | null;
    return error?.type === CONFLICT_TYPE || CONFLICT_CODES.includes(error?.code);
  } catch {
    return false;
  }
}

function camundaMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown } | null;
    if (typeof parsed?.message === 'string') return parsed.message;
  } catch {
    // Not Camunda's JSON error (a proxy's HTML page, say): keep the raw text.
  }
  return body.trim();
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** The error's message plus the system error code fetch hides in `cause` (ECONNREFUSED, ...). */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_DETAIL_CHARS ? oneLine : `${oneLine.slice(0, MAX_DETAIL_CHARS - 1)}…`;
}
