// Builders for the three ways a Pub/Sub message reaches the function: Eventarc's binary CloudEvent,
// a structured CloudEvent, and a raw Pub/Sub push body that the framework converts.
import { randomUUID } from 'node:crypto';

export const TOPIC_PATH = '/projects/test-project/topics/echo';
const PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
const SOURCE = '//pubsub.googleapis.com/projects/test-project/topics/echo';
const SUBSCRIPTION = 'projects/test-project/subscriptions/echo-push';

/** The data of a PushTask message (contract §2); every field loose, so that tests can break it. */
export interface TaskData {
  version?: unknown;
  taskType?: unknown;
  processInstanceId?: unknown;
  requestId?: unknown;
  sentAt?: unknown;
  deadline?: unknown;
  payload?: unknown;
  [extra: string]: unknown;
}

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

export const toBase64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
export const encodeData = (data: unknown): string => toBase64(JSON.stringify(data));

export interface PubsubMessage {
  data?: unknown;
  attributes?: Record<string, string>;
  messageId?: string;
  publishTime?: string;
}

let nextMessageId = 1000;

export function pubsubMessage(data: unknown, attributes: Record<string, string> = {}): PubsubMessage {
  const message: PubsubMessage = {
    attributes,
    messageId: String(nextMessageId++),
    publishTime: new Date().toISOString(),
  };
  if (data !== undefined) message.data = data;
  return message;
}

export interface FunctionRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What Eventarc sends: CloudEvent attributes in ce- headers, the Pub/Sub envelope as the body. */
export function binaryEvent(message: PubsubMessage, extra: Record<string, unknown> = {}): FunctionRequest {
  return {
    path: '/',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': PUBLISHED,
      'ce-source': SOURCE,
      'ce-id': message.messageId ?? 'no-id',
      'ce-time': new Date().toISOString(),
    },
    body: JSON.stringify({ message, subscription: SUBSCRIPTION, ...extra }),
  };
}

export function structuredEvent(message: PubsubMessage): FunctionRequest {
  return {
    path: '/',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({
      specversion: '1.0',
      type: PUBLISHED,
      source: SOURCE,
      id: message.messageId ?? 'no-id',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { message, subscription: SUBSCRIPTION },
    }),
  };
}

/** What a plain Pub/Sub push subscription (or the emulator) posts to its endpoint. */
export function rawPush(message: PubsubMessage, extra: Record<string, unknown> = {}): FunctionRequest {
  return {
    path: TOPIC_PATH,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, subscription: SUBSCRIPTION, ...extra }),
  };
}
