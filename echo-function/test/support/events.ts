// Builders for the three ways a Pub/Sub message reaches the function: Eventarc's binary CloudEvent,
// a structured CloudEvent, and a raw Pub/Sub push body that the framework converts.
import { randomUUID } from 'node:crypto';

export const TOPIC_PATH = '/projects/test-project/topics/echo';
const PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
const SOURCE = '//pubsub.googleapis.com/projects/test-project/topics/echo';
const SUBSCRIPTION = 'projects/test-project/subscriptions/echo-push';

export interface EchoData {
  messageName?: unknown;
  replyMessageName?: unknown;
  processInstanceId?: unknown;
  requestId?: unknown;
  sentAt?: unknown;
  loop?: unknown;
  iteration?: unknown;
  payload?: unknown;
  [extra: string]: unknown;
}

/** A valid request as the BPMN side publishes it. */
export function echoData(overrides: EchoData = {}): EchoData {
  return {
    messageName: 'echo',
    replyMessageName: 'EchoReply',
    processInstanceId: randomUUID(),
    requestId: randomUUID(),
    sentAt: new Date().toISOString(),
    loop: 'test-loop',
    iteration: 7,
    payload: { hello: 'world' },
    ...overrides,
  };
}

export function withoutField(field: keyof EchoData): EchoData {
  const data = echoData();
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
