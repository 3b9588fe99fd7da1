// The echo task's messages. How a message reaches a function (Eventarc's binary CloudEvent, a structured
// CloudEvent, a raw push body) is the worker library's to build: its test support is reused as it is.
import { randomUUID } from 'node:crypto';
import type { TaskData } from '../../../worker/test/support/events';

export {
  binaryEvent,
  encodeData,
  pubsubMessage,
  rawPush,
  structuredEvent,
  toBase64,
  type FunctionRequest,
  type PubsubMessage,
  type TaskData,
} from '../../../worker/test/support/events';

/** A valid echo task as bpmn/PushTask.bpmn publishes it for bpmn/EchoLoop.bpmn. */
export function echoData(overrides: TaskData = {}): TaskData {
  return {
    version: 1,
    taskType: 'echo',
    processInstanceId: randomUUID(),
    requestId: randomUUID(),
    sentAt: new Date().toISOString(),
    payload: { loop: 'test-loop', iteration: 7, payload: { hello: 'world' } },
    ...overrides,
  };
}

/** The Pub/Sub attributes PushTask sets for an echo task of EchoLoop. */
export const echoAttributes = (loop = 'test-loop', iteration = '7'): Record<string, string> => ({
  taskType: 'echo',
  version: '1',
  loop,
  iteration,
});
