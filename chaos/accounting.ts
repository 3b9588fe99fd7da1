/**
 * Jepsen-style bookkeeping of a chaos run: not "did the loops look fine when sampled" but "can every
 * message and every iteration be accounted for".
 *
 * - Every message the emulator accepted (seen by the publish proxy, including those whose answer the
 *   engine never got) must end delivered exactly once (the engine accepted its reply), absorbed as a
 *   duplicate (the engine had nothing waiting for it), dead-lettered with a reason, or dropped by a
 *   request-lost fault (whose loop must then recover by PushTask's re-publish). A message
 *   delivered twice, never settled, or delivered without having been published is a violation.
 * - Per loop, the replies the engine accepted carry iterations 1, 2, 3, ... in that order, each once,
 *   and as many as the engine completed PushTask instances of that loop (one more at most: a reply
 *   accepted just before the loop was stopped).
 *
 * Two observers see the engine accept a reply: the function's log line ("completed") and the engine
 * proxy (a 2xx answer to the correlation). A crash can hide it from both: the engine killed after its
 * commit but before its answer, or the function killed before its log line. The third witness is the
 * engine's history: a PushTask instance ends COMPLETED only through the reply its receive task took
 * (correlated by that instance's id and the request id). So an iteration neither observer saw accepted
 * is accounted for only when the history shows the PushTask instance that published it completed; the run
 * asks it for exactly those iterations (unseenIterations, recordCompletedInHistory).
 */
import { OUTCOMES, type DeliveryLine, type Outcome } from '../local/deliveries';

/**
 * The fields of an echo task (the data of a published message: PushTask's envelope, EchoLoop's
 * payload {loop, iteration}) that the accounting needs.
 */
export interface EchoRequestFields {
  readonly loop?: string;
  readonly iteration?: number;
  readonly requestId?: string;
  /** The PushTask instance that published it. */
  readonly processInstanceId?: string;
}

export interface PublishedMessage extends EchoRequestFields {
  readonly messageId: string;
  /** The emulator accepted it but the engine never got the answer (a fault dropped it). */
  readonly answerLost: boolean;
}

export interface Violation {
  readonly what:
    | 'lost'
    | 'delivered-twice'
    | 'unexpected'
    | 'invalid'
    | 'iteration-order'
    | 'iteration-count'
    | 'multiplied'
    | 'stalled'
    | 'incident'
    | 'not-stopped'
    | 'not-enough-faults';
  readonly loop?: string;
  readonly iteration?: number;
  readonly messageId?: string;
  readonly detail: string;
  /** When it was seen (ms since the epoch). */
  readonly at: number;
}

/** How often the function logged each outcome for a message, and the last thing it said about it. */
type MessageFate = Record<Outcome, number> & { lastDetail?: string };

const noFate = (): MessageFate => ({
  completed: 0,
  error: 0,
  failed: 0,
  duplicate: 0,
  retry: 0,
  invalid: 0,
  'unknown-task': 0,
});

/** Outcomes the echo loop never sees when healthy: the function refused a message, or replied other than completed. */
const REFUSALS: ReadonlySet<Outcome> = new Set(['invalid', 'unknown-task', 'failed', 'error']);

/** Decodes the echo task in a Pub/Sub message's base64 data; empty fields for anything else. */
export function echoRequestFields(base64Data: unknown): EchoRequestFields {
  if (typeof base64Data !== 'string') return {};
  try {
    const parsed = JSON.parse(Buffer.from(base64Data, 'base64').toString('utf8')) as Record<string, unknown>;
    const payload = (typeof parsed.payload === 'object' && parsed.payload !== null ? parsed.payload : {}) as Record<
      string,
      unknown
    >;
    return {
      ...(typeof payload.loop === 'string' ? { loop: payload.loop } : {}),
      ...(typeof payload.iteration === 'number' ? { iteration: payload.iteration } : {}),
      ...(typeof parsed.requestId === 'string' ? { requestId: parsed.requestId } : {}),
      ...(typeof parsed.processInstanceId === 'string' ? { processInstanceId: parsed.processInstanceId } : {}),
    };
  } catch {
    return {};
  }
}

export class Ledger {
  readonly published = new Map<string, PublishedMessage>();
  private readonly fates = new Map<string, MessageFate>();
  private readonly byRequestId = new Map<string, EchoRequestFields>();
  readonly deadLettered = new Map<string, string>();
  /** Messages a fault took away on purpose (request-lost), with the reason. */
  readonly droppedByFault = new Map<string, string>();
  /** Messages the emulator still held at the end without redelivering them, handed to the function by the run. */
  readonly strandedInEmulator = new Set<string>();
  /**
   * Messages the broker dropped although the function asked for a redelivery (see finish), with the
   * evidence. Pub/Sub keeps such a message until it is acked or dead-lettered; the emulator (0.8.20)
   * sometimes drops it after two failed pushes in quick succession.
   */
  readonly droppedByBroker = new Map<string, string>();
  /** Per loop, the iterations of accepted replies (by either observer, or by the history). */
  readonly acceptedIterations = new Map<string, Set<number>>();
  /** Iterations only the engine's history showed accepted, as "loop/iteration". */
  readonly acceptedUnseen = new Set<string>();
  /** Per observer and loop, the last iteration it saw accepted. */
  private readonly lastSeen = new Map<string, number>();
  readonly violations: Violation[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A publish the emulator answered, as the publish proxy saw it: the request's messages and the
   * answer's message ids, in the same order.
   */
  recordPublish(
    requestBody: Buffer,
    status: number | undefined,
    responseBody: Buffer | undefined,
    answerLost: boolean,
  ): void {
    if (status === undefined || status < 200 || status >= 300 || !responseBody) return;
    let ids: unknown;
    let messages: unknown;
    try {
      ids = (JSON.parse(responseBody.toString('utf8')) as { messageIds?: unknown }).messageIds;
      messages = (JSON.parse(requestBody.toString('utf8')) as { messages?: unknown }).messages;
    } catch {
      return;
    }
    if (!Array.isArray(ids) || !Array.isArray(messages)) return;
    ids.forEach((id, i) => {
      if (typeof id !== 'string') return;
      const fields = echoRequestFields((messages[i] as { data?: unknown } | undefined)?.data);
      this.published.set(id, { messageId: id, answerLost, ...fields });
      if (fields.requestId) this.byRequestId.set(fields.requestId, fields);
    });
  }

  /** The loop and iteration of a request id seen in a publish. */
  request(requestId: string | undefined): EchoRequestFields | undefined {
    return requestId === undefined ? undefined : this.byRequestId.get(requestId);
  }

  /** One delivery line of the function. */
  recordDelivery(line: DeliveryLine): void {
    const id = line.messageId;
    if (REFUSALS.has(line.outcome)) {
      this.violate({
        what: 'invalid',
        messageId: id,
        loop: line.loop,
        iteration: line.iteration,
        detail: `the function answered ${line.outcome}: ${detail(line) ?? '?'}`,
      });
    }
    if (id === undefined) return;
    const fate = this.fates.get(id) ?? noFate();
    fate[line.outcome] += 1;
    fate.lastDetail = detail(line) ?? fate.lastDetail;
    this.fates.set(id, fate);
    if (line.outcome !== 'completed') return;
    if (fate.completed > 1) {
      this.violate({
        what: 'delivered-twice',
        messageId: id,
        loop: line.loop,
        iteration: line.iteration,
        detail: `the engine accepted the reply to message ${id} ${fate.completed} times`,
      });
    }
    if (line.loop !== undefined && line.iteration !== undefined)
      this.accepted('the function', line.loop, line.iteration, id);
  }

  /** The engine's answer to a reply, as the engine proxy saw it (the correlation carries the request id). */
  recordCorrelation(requestId: string | undefined, status: number | undefined): void {
    if (status === undefined || status < 200 || status >= 300) return;
    const request = this.request(requestId);
    if (request?.loop !== undefined && request.iteration !== undefined)
      this.accepted('the engine proxy', request.loop, request.iteration);
  }

  /** One observer saw the engine accept a reply of `iteration`: it must be later than the last one it saw. */
  private accepted(observer: string, loop: string, iteration: number, messageId?: string): void {
    const key = `${observer}/${loop}`;
    const last = this.lastSeen.get(key) ?? 0;
    if (iteration <= last) {
      this.violate({
        what: iteration === last ? 'delivered-twice' : 'iteration-order',
        loop,
        iteration,
        ...(messageId ? { messageId } : {}),
        detail: `${observer} saw the engine accept a reply of iteration ${iteration} after one of iteration ${last}`,
      });
    }
    this.lastSeen.set(key, Math.max(last, iteration));
    const accepted = this.acceptedIterations.get(loop) ?? new Set<number>();
    accepted.add(iteration);
    this.acceptedIterations.set(loop, accepted);
  }

  /**
   * The iterations neither observer saw accepted that the books need: per loop, the gaps below the
   * highest iteration seen, and the iterations of messages still unsettled. Each comes with the PushTask
   * instances that published it, for the run to look up in the history.
   */
  unseenIterations(): Array<{ loop: string; iteration: number; processInstanceIds: string[] }> {
    const wanted = new Map<string, { loop: string; iteration: number; processInstanceIds: Set<string> }>();
    const want = (loop: string, iteration: number): void => {
      if (this.acceptedIterations.get(loop)?.has(iteration)) return;
      const key = `${loop}/${iteration}`;
      if (!wanted.has(key)) wanted.set(key, { loop, iteration, processInstanceIds: new Set() });
    };
    for (const [loop, seen] of this.acceptedIterations) {
      for (let iteration = 1; iteration < Math.max(0, ...seen); iteration += 1) want(loop, iteration);
    }
    for (const message of this.unsettled()) {
      if (message.loop !== undefined && message.iteration !== undefined) want(message.loop, message.iteration);
    }
    for (const message of this.published.values()) {
      const entry = wanted.get(`${message.loop}/${message.iteration}`);
      if (entry && message.processInstanceId) entry.processInstanceIds.add(message.processInstanceId);
    }
    return [...wanted.values()].map((entry) => ({ ...entry, processInstanceIds: [...entry.processInstanceIds] }));
  }

  /** The engine's history shows the PushTask instance of this iteration completed: its reply was accepted, unseen. */
  recordCompletedInHistory(loop: string, iteration: number): void {
    const accepted = this.acceptedIterations.get(loop) ?? new Set<number>();
    if (accepted.has(iteration)) return;
    accepted.add(iteration);
    this.acceptedIterations.set(loop, accepted);
    this.acceptedUnseen.add(`${loop}/${iteration}`);
  }

  /** The best outcome the function logged for a message so far (completed before duplicate before retry). */
  outcomeOf(messageId: string): Outcome | undefined {
    const fate = this.fates.get(messageId);
    if (!fate) return undefined;
    return OUTCOME_NAMES.find((outcome) => fate[outcome] > 0);
  }

  /**
   * A message pulled from the dead-letter topic, with its reason: how often Pub/Sub tried it (the
   * dead letter's CloudPubSubDeadLetterSourceDeliveryCount), how often the function failed it, and
   * what the function said last.
   */
  recordDeadLetter(messageId: string, deliveryCount?: number): void {
    const fate = this.fates.get(messageId);
    const attempts =
      deliveryCount === undefined ? 'dead-lettered' : `dead-lettered after ${deliveryCount} delivery attempts`;
    const reason = fate
      ? `${attempts}; the function asked for ${fate.retry} redeliveries (last: ${fate.lastDetail ?? '?'})`
      : `${attempts}; no delivery was logged`;
    this.deadLettered.set(messageId, reason);
  }

  /**
   * A message the emulator held without redelivering it, taken off the subscription at the end and
   * handed to the function once, as Pub/Sub would have redelivered it. It still has to settle
   * (delivered or absorbed) through that delivery; this only marks it for the report.
   */
  recordStranded(messageId: string): void {
    this.strandedInEmulator.add(messageId);
  }

  /** A message that a fault acked without delivering it: accounted for, with the fault as its reason. */
  recordDroppedByFault(messageId: string, reason: string): void {
    this.droppedByFault.set(messageId, reason);
  }

  /** Published messages that are neither delivered, absorbed as duplicates, dead-lettered nor dropped by a fault (yet). */
  unsettled(): PublishedMessage[] {
    return [...this.published.values()].filter((message) => {
      const fate = this.fates.get(message.messageId);
      const id = message.messageId;
      if (this.deadLettered.has(id) || this.droppedByFault.has(id) || this.droppedByBroker.has(id)) return false;
      return !(fate && (settledByReply(fate) || fate.duplicate > 0));
    });
  }

  /** How the published messages ended, for the report. */
  settlement(): {
    published: number;
    deliveredOnce: number;
    absorbedAsDuplicate: number;
    deadLettered: number;
    droppedByFault: number;
    unsettled: number;
    answerLost: number;
    strandedInEmulator: number;
    droppedByBroker: number;
  } {
    let deliveredOnce = 0;
    let absorbedAsDuplicate = 0;
    for (const message of this.published.values()) {
      const fate = this.fates.get(message.messageId);
      if (fate?.completed === 1) deliveredOnce += 1;
      else if (fate && fate.completed === 0 && fate.duplicate > 0) absorbedAsDuplicate += 1;
    }
    const answerLost = [...this.published.values()].filter((message) => message.answerLost).length;
    return {
      published: this.published.size,
      deliveredOnce,
      absorbedAsDuplicate,
      deadLettered: this.deadLettered.size,
      droppedByFault: this.droppedByFault.size,
      unsettled: this.unsettled().length,
      answerLost,
      strandedInEmulator: this.strandedInEmulator.size,
      droppedByBroker: this.droppedByBroker.size,
    };
  }

  /**
   * The final checks, once the loops are stopped and every message had time to settle:
   * `completedEchos` is, per loop, how many PushTask instances the engine completed.
   */
  finish(completedEchos: ReadonlyMap<string, number>): void {
    for (const message of this.unsettled()) {
      const fate = this.fates.get(message.messageId);
      // Dropped by the broker, not by us: the function only ever asked for a redelivery (it never acked
      // it), the broker neither redelivered it nor held it at the end (the run took what it held), and
      // the iteration it carried was completed: through another copy (PushTask's re-publish), or through
      // this one when a crash hid the engine's answer and only the history saw it. Anything else
      // unsettled is lost.
      const onlyNacked =
        fate !== undefined && fate.retry > 0 && !settledByReply(fate) && fate.duplicate === 0 && fate.invalid === 0;
      const iterationDone =
        message.loop !== undefined &&
        message.iteration !== undefined &&
        this.acceptedIterations.get(message.loop)?.has(message.iteration) === true;
      if (onlyNacked && iterationDone) {
        this.droppedByBroker.set(
          message.messageId,
          `${fate.retry} redeliveries asked for (last: ${fate.lastDetail ?? '?'}), none came; ${message.loop} iteration ${message.iteration} completed ${
            this.acceptedUnseen.has(`${message.loop}/${message.iteration}`)
              ? '(the history shows its PushTask instance completed; no observer saw the answer)'
              : 'through another copy'
          }`,
        );
        continue;
      }
      this.violate({
        what: 'lost',
        loop: message.loop,
        iteration: message.iteration,
        messageId: message.messageId,
        detail: `published but never delivered, absorbed or dead-lettered${fate ? ` (${fate.retry} retries; last: ${fate.lastDetail ?? '?'})` : ' (no delivery was ever logged)'}`,
      });
    }
    // Checked only now: a push can reach the function before the publish's answer reaches the proxy.
    for (const [id, fate] of this.fates) {
      if (this.published.has(id)) continue;
      const outcomes = OUTCOME_NAMES.filter((outcome) => fate[outcome] > 0).join(', ');
      this.violate({ what: 'unexpected', messageId: id, detail: `delivered (${outcomes}) but never published` });
    }
    for (const [loop, completed] of completedEchos) {
      const seen = this.acceptedIterations.get(loop) ?? new Set<number>();
      const highest = Math.max(0, ...seen);
      let accepted = 0;
      for (let iteration = 1; iteration <= highest; iteration += 1) {
        if (seen.has(iteration)) {
          accepted += 1;
        } else {
          this.violate({
            what: 'iteration-order',
            loop,
            iteration,
            detail: `no reply of iteration ${iteration} was accepted, yet the loop went on to ${highest}`,
          });
        }
      }
      if (accepted !== completed && accepted !== completed + 1) {
        this.violate({
          what: 'iteration-count',
          loop,
          iteration: completed,
          detail: `the engine completed ${completed} PushTask instances but accepted ${accepted} replies`,
        });
      }
    }
  }

  violate(violation: Omit<Violation, 'at'>): void {
    this.violations.push({ ...violation, at: this.now() });
  }
}

/** Best first: what outcomeOf reports for a message the function logged several times. */
const OUTCOME_NAMES: readonly Outcome[] = OUTCOMES;

/** The engine stored a reply to it: a result, or (never in a healthy loop) an error or a failure. */
const settledByReply = (fate: MessageFate): boolean => fate.completed + fate.error + fate.failed > 0;

function detail(line: DeliveryLine): string | undefined {
  const text = (line as { message?: unknown; reason?: unknown }).reason ?? (line as { message?: unknown }).message;
  return typeof text === 'string' ? text : undefined;
}
