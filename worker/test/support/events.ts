// Builders for v1 task messages and the three ways a Pub/Sub message reaches a function: Eventarc's
// binary CloudEvent, a structured CloudEvent, and a raw Pub/Sub push body that the framework converts.
import { randomUUID } from 'node:crypto';

export const TASK_TYPE = 'price-order';
export const TOPIC_PATH = '/projects/test-project/topics/price-order';
const PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
const SOURCE = '//pubsub.googleapis.com/projects/test-project/topics/price-order';
const SUBSCRIPTION = 'projects/test-project/subscriptions/price-order-push';

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

/** A valid v1 message as PushTask publishes it. */
export function taskData(overrides: TaskData = {}): TaskData {
  return {
    version: 1,
    taskType: TASK_TYPE,
    processInstanceId: randomUUID(),
    requestId: randomUUID(),
    sentAt: new Date().toISOString(),
    payload: { item: 'item-7', quantity: 2 },
    ...overrides,
  };
}

export function withoutField(field: keyof TaskData): TaskData {
  const data = taskData();
  delete data[field];
  return data;
}

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
