// The delivery flow: read the Pub/Sub message, validate it, forward it to the engine, log one
// line, and either return (the framework answers 204: Pub/Sub acks) or throw (500: redelivery).
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { EchoConfig } from './config';
import { forwardToEngine, type EngineResult, type IdTokenSource } from './engine-client';
import { readEnvelope, type LooseEvent, type PubsubEnvelope } from './envelope';
import { googleIdTokenSource } from './id-token';
import { writeLogLine, type DeliveryLog, type DeliveryLogger } from './log';
import { decodeEchoRequest, type EchoRequest, type MessageHints } from './message';

export interface EchoHandlerOptions {
  readonly config: EchoConfig;
  /** Defaults to Application Default Credentials when config.auth is 'id-token'. */
  readonly idTokens?: IdTokenSource;
  readonly log?: DeliveryLogger;
  readonly now?: () => number;
}

export type EchoHandler = (event: CloudEvent<unknown>) => Promise<void>;

/** Thrown to make the framework answer 500, so that Pub/Sub redelivers the message. */
export class RedeliveryRequested extends Error {
  constructor(detail: string) {
    super(`redelivery requested: ${detail}`);
    this.name = 'RedeliveryRequested';
    // The framework prints the stack of a thrown error; a deliberate retry needs no trace.
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function createEchoHandler(options: EchoHandlerOptions): EchoHandler {
  const { config } = options;
  const log = options.log ?? writeLogLine;
  const now = options.now ?? Date.now;
  const idTokens = options.idTokens ?? (config.auth === 'id-token' ? googleIdTokenSource() : undefined);

  return async (event) => {
    const read = readRequest(event as unknown as LooseEvent, config.knownMessageNames);
    if (!read.ok) {
      // A poison message: retrying cannot fix it, so ack it and say why.
      log({
        severity: 'ERROR',
        message: `invalid message acked: ${read.reason}`,
        outcome: 'invalid',
        ...deliveryFields(read.envelope),
        ...read.hints,
        reason: read.reason,
      });
      return;
    }
    const { request, envelope } = read;
    const result = await forwardToEngine(request, config, { idTokens, now });
    log(resultLine(request, envelope, result, now()));
    if (result.outcome === 'retry') throw new RedeliveryRequested(result.detail);
  };
}

type ReadResult =
  | { readonly ok: true; readonly request: EchoRequest; readonly envelope: PubsubEnvelope }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly hints: MessageHints;
      readonly envelope?: Partial<PubsubEnvelope>;
    };

function readRequest(event: LooseEvent, knownMessageNames: ReadonlySet<string>): ReadResult {
  try {
    const found = readEnvelope(event);
    if (!found.ok) return { ok: false, reason: found.reason, hints: {}, envelope: { messageId: found.messageId } };
    const decoded = decodeEchoRequest(found.envelope.data, knownMessageNames);
    if (!decoded.ok) return { ok: false, reason: decoded.reason, hints: decoded.hints, envelope: found.envelope };
    return { ok: true, request: decoded.request, envelope: found.envelope };
  } catch (error) {
    // Reading a message must never crash a delivery; whatever slipped through is still poison.
    return {
      ok: false,
      reason: `unreadable event: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300),
      hints: {},
    };
  }
}

function deliveryFields(
  envelope: Partial<PubsubEnvelope> | undefined,
): Pick<DeliveryLog, 'messageId' | 'deliveryAttempt'> {
  return { messageId: envelope?.messageId, deliveryAttempt: envelope?.deliveryAttempt };
}

function resultLine(
  request: EchoRequest,
  envelope: PubsubEnvelope,
  result: EngineResult,
  endedAt: number,
): DeliveryLog {
  const sentAt = Date.parse(request.sentAt);
  return {
    severity: result.severity,
    message: result.detail,
    outcome: result.outcome,
    roundTripMs: Number.isFinite(sentAt) ? endedAt - sentAt : undefined,
    ...deliveryFields(envelope),
    messageName: request.messageName,
    loop: request.loop,
    iteration: request.iteration,
    requestId: request.requestId,
    processInstanceId: request.processInstanceId,
    engineStatus: result.engineStatus,
    engineMs: result.engineMs,
    conflicts: result.conflicts || undefined,
  };
}
