// One delivery, start to end: read the message, run the handler, send the one reply it earns, log one
// line, and either return (the framework answers 204: Pub/Sub acks) or throw RedeliveryRequested
// (500: Pub/Sub redelivers). The rules are contract §4's; worker/README.md has them as a table.
import { isBpmnError } from './bpmn-error';
import type { WorkerConfig } from './config';
import { postMessage, type IdTokenSource } from './engine-client';
import { readEnvelope, type LooseEvent, type PubsubEnvelope } from './envelope';
import { heartbeatFor } from './heartbeat';
import { cleanLogFields, type DeliveryLog, type LogFields, type MessageFields, type WorkerLogger } from './log';
import {
  decodeMessage,
  summarizeIssues,
  truncate,
  type DecodedMessage,
  type ReplyAddress,
  type TaskMessage,
} from './message';
import { errorMessage, RedeliveryRequested } from './redelivery';
import { replyBody, serializeResult, type Reply } from './replies';
import type { PushTask, PushWorkerOptions } from './worker';

/** A worker's options with every default filled in. */
export interface WorkerSettings extends Omit<PushWorkerOptions, 'config' | 'log' | 'now'> {
  readonly config: WorkerConfig;
  readonly idTokens?: IdTokenSource;
  readonly log: WorkerLogger;
  readonly now: () => number;
}

/** What one delivery reply is about, for its log line. */
interface ReplyContext {
  readonly address: ReplyAddress;
  readonly fields: MessageFields;
  readonly sentAt?: string;
  readonly extra?: Partial<DeliveryLog>;
}

export async function deliver(event: LooseEvent, worker: WorkerSettings): Promise<void> {
  const { envelope, decoded } = readMessage(event, worker.taskType);
  const base: MessageFields = {
    taskType: worker.taskType,
    messageId: envelope?.messageId,
    deliveryAttempt: envelope?.deliveryAttempt,
  };
  if (decoded.kind === 'poison') {
    // Retrying cannot fix it and no reply can reach the engine: ack it and say why.
    const line = { ...base, ...decoded.hints, reason: decoded.reason };
    return worker.log({
      severity: 'ERROR',
      message: `invalid message acked: ${decoded.reason}`,
      outcome: 'invalid',
      ...line,
    });
  }
  const fields: MessageFields = { ...base, ...decoded.address };
  if (decoded.kind === 'unknown-task') {
    const line = { ...fields, reason: decoded.reason, messageTaskType: decoded.messageTaskType };
    return worker.log({
      severity: 'ERROR',
      message: `message acked: ${decoded.reason}`,
      outcome: 'unknown-task',
      ...line,
    });
  }
  if (decoded.kind === 'refused') {
    const reply: Reply = { outcome: 'failed', message: `malformed message: ${decoded.reason}` };
    const context = { address: decoded.address, fields, sentAt: decoded.sentAt, extra: { reason: decoded.reason } };
    return sendReply(reply, context, worker);
  }
  return runTask(decoded.message, fields, worker);
}

/** A well-formed message of this worker's type: parse the payload, run the handler, reply. */
async function runTask(message: TaskMessage, fields: MessageFields, worker: WorkerSettings): Promise<void> {
  const context = { address: message, fields, sentAt: message.sentAt };
  const parsed = worker.payload.safeParse(message.payload);
  if (!parsed.success) {
    const issues = summarizeIssues(parsed.error.issues, 'payload');
    const reason = truncate(`payload does not fit the worker's schema: ${issues}`);
    return sendReply({ outcome: 'failed', message: reason }, { ...context, extra: { reason } }, worker);
  }
  const logFields = logFieldsOf(worker, parsed.data);
  const task: PushTask<unknown> = {
    payload: parsed.data,
    taskType: worker.taskType,
    processInstanceId: message.processInstanceId,
    requestId: message.requestId,
    sentAt: new Date(message.sentAt),
    ...(message.deadline ? { deadline: new Date(message.deadline) } : {}),
    ...(fields.deliveryAttempt ? { deliveryAttempt: fields.deliveryAttempt } : {}),
    heartbeat: heartbeatFor(message, { ...fields, ...logFields }, worker),
  };
  const started = worker.now();
  const ran = await runHandler(worker, task);
  const extra = { ...logFields, handlerMs: worker.now() - started, ...ran.extra };
  if ('reply' in ran) return sendReply(ran.reply, { ...context, extra }, worker);
  if (isLastAttempt(fields.deliveryAttempt, worker.config)) {
    return sendReply({ outcome: 'failed', message: ran.failure }, { ...context, extra }, worker);
  }
  const attempt = `attempt ${fields.deliveryAttempt ?? '(unknown)'} of ${worker.config.maxDeliveryAttempts}`;
  worker.log({
    severity: 'WARNING',
    message: `task failed (${attempt}): ${truncate(ran.failure)}; redelivery requested`,
    outcome: 'retry',
    ...roundTrip(message.sentAt, worker.now()),
    ...fields,
    ...extra,
  });
  throw new RedeliveryRequested(`task failed (${attempt})`);
}

function readMessage(event: LooseEvent, taskType: string): { envelope?: PubsubEnvelope; decoded: DecodedMessage } {
  try {
    const found = readEnvelope(event);
    if (!found.ok) return { envelope: { messageId: found.messageId, attributes: {} }, decoded: poison(found.reason) };
    return { envelope: found.envelope, decoded: decodeMessage(found.envelope.data, taskType) };
  } catch (error) {
    // Reading a message must never crash a delivery; whatever slipped through is still poison.
    return { decoded: poison(`unreadable event: ${errorMessage(error)}`) };
  }
}

const poison = (reason: string): DecodedMessage => ({ kind: 'poison', reason: truncate(reason), hints: {} });

type HandlerRun =
  | { readonly reply: Reply; readonly extra?: Partial<DeliveryLog> }
  | { readonly failure: string; readonly extra: Partial<DeliveryLog> };

/** Runs the handler and turns what it did into a reply, or a technical failure. */
async function runHandler(worker: WorkerSettings, task: PushTask<unknown>): Promise<HandlerRun> {
  try {
    const result = await worker.handler(task);
    const serialized = serializeResult(result);
    if (!serialized.ok) return { failure: serialized.reason, extra: { error: serialized.reason } };
    return { reply: { outcome: 'completed', resultJson: serialized.json } };
  } catch (error) {
    if (isBpmnError(error)) {
      return {
        reply: { outcome: 'error', code: error.code, message: error.message },
        extra: { errorCode: error.code },
      };
    }
    const failure = errorMessage(error);
    return { failure, extra: { error: truncate(failure) } };
  }
}

/** The attempt Pub/Sub dead-letters after: the one that answers `failed` instead. */
function isLastAttempt(deliveryAttempt: number | undefined, config: WorkerConfig): boolean {
  return deliveryAttempt !== undefined && deliveryAttempt >= config.maxDeliveryAttempts;
}

function logFieldsOf(worker: WorkerSettings, payload: unknown): LogFields {
  if (!worker.logFields) return {};
  try {
    return cleanLogFields(worker.logFields(payload));
  } catch {
    return {}; // a log field is never worth failing the task for
  }
}

const REPLY_TEXT = { completed: 'task completed', error: 'business error replied', failed: 'task failed' } as const;

/** Posts the reply; a reply the engine did not take (429, 5xx, timeout, ...) is redelivered. */
async function sendReply(reply: Reply, context: ReplyContext, worker: WorkerSettings): Promise<void> {
  const { config, idTokens, now } = worker;
  const answer = await postMessage(replyBody(context.address, reply), config, { idTokens, now });
  const what =
    reply.outcome === 'completed'
      ? REPLY_TEXT.completed
      : `${REPLY_TEXT[reply.outcome]}: ${reply.outcome === 'error' ? `${reply.code}: ` : ''}${truncate(reply.message, 200)}`;
  const engine = {
    engineStatus: answer.engineStatus,
    engineMs: answer.engineMs,
    conflicts: answer.conflicts || undefined,
  };
  const line = { ...roundTrip(context.sentAt, now()), ...context.fields, ...engine, ...context.extra };
  if (answer.disposition === 'stored') {
    const severity = reply.outcome === 'failed' ? 'ERROR' : 'INFO';
    return worker.log({ severity, message: what, outcome: reply.outcome, ...line });
  }
  if (answer.disposition === 'duplicate') {
    return worker.log({
      severity: 'NOTICE',
      message: `${what} (${answer.detail}; acked)`,
      outcome: 'duplicate',
      ...line,
    });
  }
  worker.log({
    severity: answer.severity,
    message: `${what}, but the reply was not stored: ${answer.detail}; redelivery requested`,
    outcome: 'retry',
    ...line,
  });
  throw new RedeliveryRequested(answer.detail);
}

function roundTrip(sentAt: string | undefined, endedAt: number): Pick<DeliveryLog, 'roundTripMs'> {
  const sent = sentAt === undefined ? NaN : Date.parse(sentAt);
  return Number.isFinite(sent) ? { roundTripMs: endedAt - sent } : {};
}
