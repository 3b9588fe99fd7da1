/**
 * The echo function's side of EchoLoop for the BPMN tests: reads the echo tasks PushTask publishes to
 * the Pub/Sub stand-in (test/support/fake-pubsub.ts) and posts the replies of the contract
 * (/work/wt/PUSH-CONTRACT.md §2, §3) through POST /engine-rest/message, as the worker library does.
 */
import { replyBody, type PublishedMessage } from '../support/fake-pubsub';

/** What EchoLoop gives PushTask as the task's payload. */
export interface EchoPayload {
  loop: string;
  iteration: number;
  payload?: unknown;
}

/** The data of one published echo task. */
export interface EchoTask {
  version: number;
  taskType: string;
  processInstanceId: string;
  requestId: string;
  sentAt: string;
  deadline?: string;
  payload: EchoPayload;
}

export const echoTaskOf = (message: PublishedMessage): EchoTask => JSON.parse(message.data) as EchoTask;

/** The final reply of a completed task: the fake Pub/Sub's, which the echo function's replies match. */
export { replyBody };

/**
 * Plays the echo function: POSTs the reply to a task (the payload echoed back) and returns the status,
 * retrying what the worker retries (500 optimistic locking, network errors).
 */
export async function sendReply(
  restUrl: string,
  task: Pick<EchoTask, 'processInstanceId' | 'requestId'> & { payload?: unknown },
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${restUrl}/message`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(replyBody(task, task.payload)),
        signal: AbortSignal.timeout(30_000),
      });
      await response.text();
      if (response.status < 500 || attempt >= 20) return response.status;
    } catch (error) {
      if (attempt >= 20) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
