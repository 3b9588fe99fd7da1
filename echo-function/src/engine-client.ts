// Sends the reply to Camunda (POST /engine-rest/message) and decides what the answer means for
// the Pub/Sub message: ack it, or throw so that Pub/Sub redelivers it.
import type { EchoConfig } from './config';
import type { Severity } from './log';
import type { EchoRequest } from './message';

export interface IdTokenSource {
  /** A Google-signed ID token for the audience. */
  idToken(audience: string): Promise<string>;
}

export interface EngineResult {
  readonly outcome: 'delivered' | 'duplicate' | 'retry';
  readonly severity: Severity;
  /** Short human text for the log line; never holds a credential. */
  readonly detail: string;
  readonly engineStatus?: number;
  readonly engineMs: number;
  /** Answers of 500 OptimisticLockingException that were sent again before this result. */
  readonly conflicts?: number;
}

export type Classification = Pick<EngineResult, 'outcome' | 'severity' | 'detail'>;

export interface ForwardOptions {
  readonly idTokens?: IdTokenSource;
  readonly now?: () => number;
}

const MAX_DETAIL_CHARS = 200;
// Camunda's text when neither an execution nor a message start event matches (Camunda 7.x).
const NOTHING_MATCHES = /no process definition or execution matches/i;
// A reply that meets another transaction on the same instance (the publish job committing, a stop)
// gets 500 with this type. Sent again it succeeds or finds nothing waiting, so it is retried here at
// once instead of by a Pub/Sub redelivery, which waits at least the retry policy's 10 s.
const CONFLICT_TYPE = 'OptimisticLockingException';
const CONFLICT_RETRY_DELAYS_MS = [10, 50, 150];

/** The message correlation request. `all` stays unset: with all=true zero matches is not an error. */
export function correlationBody(request: EchoRequest): Record<string, unknown> {
  const hasPayload = request.payload !== undefined && request.payload !== null;
  return {
    messageName: request.replyMessageName,
    processInstanceId: request.processInstanceId,
    correlationKeys: { requestId: { value: request.requestId, type: 'String' } },
    processVariables: {
      echoPayload: hasPayload
        ? { value: JSON.stringify(request.payload), type: 'Json' }
        : { value: null, type: 'Null' },
    },
  };
}

/** What an engine answer means for the Pub/Sub message. */
export function classifyEngineResponse(status: number, body: string): Classification {
  if (status >= 200 && status < 300) return { outcome: 'delivered', severity: 'INFO', detail: 'reply correlated' };
  const engineMessage = camundaMessage(body);
  if (status === 400 && NOTHING_MATCHES.test(engineMessage)) {
    // The reply already arrived (a duplicate delivery) or its instance is gone (a late one).
    return {
      outcome: 'duplicate',
      severity: 'NOTICE',
      detail: 'no execution waits for this reply: duplicate or late delivery',
    };
  }
  const answer = shorten(`engine answered ${status}${engineMessage ? `: ${engineMessage}` : ''}`);
  if (status === 429 || status >= 500) return { outcome: 'retry', severity: 'WARNING', detail: answer };
  // More than one execution matching, other 4xx (401, 403, 404: misconfiguration) and redirects
  // must not be acked: retrying ends in the dead-letter topic, where they can be replayed.
  return { outcome: 'retry', severity: 'ERROR', detail: answer };
}

export async function forwardToEngine(
  request: EchoRequest,
  config: EchoConfig,
  options: ForwardOptions = {},
): Promise<EngineResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const elapsed = () => now() - started;

  let headers: Record<string, string>;
  try {
    headers = await requestHeaders(config, options.idTokens);
  } catch (error) {
    return {
      outcome: 'retry',
      severity: 'ERROR',
      detail: shorten(`could not get an ID token: ${errorText(error)}`),
      engineMs: elapsed(),
    };
  }

  const body = JSON.stringify(correlationBody(request));
  // One deadline for every attempt: it bounds the whole exchange, bodies and resends included, so a
  // hung engine cannot outlive the push ack deadline.
  const deadline = AbortSignal.timeout(config.timeoutMs);
  for (let conflicts = 0; ; conflicts++) {
    try {
      // Node's global fetch keeps connections alive between deliveries.
      const response = await fetch(config.messageEndpoint, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: deadline,
      });
      const answer = await response.text();
      if (response.status === 500 && isConflict(answer) && conflicts < CONFLICT_RETRY_DELAYS_MS.length) {
        await new Promise((resolve) => setTimeout(resolve, CONFLICT_RETRY_DELAYS_MS[conflicts]));
        continue;
      }
      return {
        ...classifyEngineResponse(response.status, answer),
        engineStatus: response.status,
        engineMs: elapsed(),
        conflicts,
      };
    } catch (error) {
      const detail = isTimeout(error)
        ? `engine did not answer within ${config.timeoutMs} ms`
        : `engine unreachable: ${errorText(error)}`;
      return { outcome: 'retry', severity: 'WARNING', detail: shorten(detail), engineMs: elapsed(), conflicts };
    }
  }
}

async function requestHeaders(
  config: EchoConfig,
  idTokens: IdTokenSource | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (config.basicAuth) {
    const { user, password } = config.basicAuth;
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  if (config.auth === 'id-token') {
    if (!idTokens) throw new Error('ENGINE_AUTH is id-token but no ID token source was given');
    const bearer = `Bearer ${await idTokens.idToken(config.audience)}`;
    // Cloud Run checks X-Serverless-Authorization first and passes Authorization on untouched. A private
    // engine (REST_AUTH=google) verifies the same token in Authorization itself, to know the caller (Cloud
    // Run strips the signature of the header it checked); a public one takes basic credentials there.
    headers['x-serverless-authorization'] = bearer;
    if (!config.basicAuth) headers.authorization = bearer;
  }
  return headers;
}

function isConflict(body: string): boolean {
  try {
    return (JSON.parse(body) as { type?: unknown }).type === CONFLICT_TYPE;
  } catch {
    return false;
  }
}

function camundaMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { message?: unknown }).message === 'string'
    ) {
      return (parsed as { message: string }).message;
    }
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
