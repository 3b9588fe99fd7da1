/**
 * A stand-in for the Pub/Sub REST publish endpoint (the engine's PUBSUB_URL), and an automatic replier
 * that plays the echo function: it correlates each published echo request straight back to the engine
 * through POST /engine-rest/message. Fast and deterministic, so the Echo and EchoLoop tests and the
 * history measurement need no emulator; the emulator tests cover the real Pub/Sub API.
 */
import { HttpStub, type RecordedRequest, type StubAnswer } from './http-stub';

export interface PublishedMessage {
  readonly project: string;
  readonly topic: string;
  /** The decoded data (UTF-8 text). */
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
  readonly messageId: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly at: number;
}

/** The echo task a message of EchoLoop carries (PushTask's data JSON), with its loop and iteration lifted. */
export interface EchoRequest {
  version: number;
  taskType: string;
  processInstanceId: string;
  requestId: string;
  sentAt: string;
  payload?: { loop?: string; iteration?: number; payload?: unknown };
  loop?: string;
  iteration?: number;
}

export type PublishHook = (message: PublishedMessage) => void | Promise<void>;

const PUBLISH_PATH = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):publish$/;

export class FakePubsub {
  readonly stub = new HttpStub();
  readonly published: PublishedMessage[] = [];
  /** Runs before the publish is answered: a reply sent from here arrives while the publish job still runs. */
  beforeAnswer?: PublishHook;
  /** Runs after the publish was answered (not awaited by the answer). */
  afterAnswer?: PublishHook;
  private readonly failures: StubAnswer[] = [];
  private readonly lostAnswers: StubAnswer[] = [];
  private nextId = 1;

  get url(): string {
    return this.stub.url;
  }

  async start(): Promise<this> {
    this.stub.otherwise((request) => this.publish(request));
    await this.stub.start();
    return this;
  }

  /** Answers the next publishes with these (a status with a body, 'hang' or 'drop') instead of publishing. */
  failNext(...answers: StubAnswer[]): void {
    this.failures.push(...answers);
  }

  /**
   * Publishes the next message (it counts as published and the hooks run) but answers with this
   * failure, as a publish that succeeded behind a 504 or a dropped connection: the engine retries and
   * publishes the same request again.
   */
  publishThenFail(answer: StubAnswer): void {
    this.lostAnswers.push(answer);
  }

  /** Publish attempts that reached the server, failed ones included. */
  get attempts(): RecordedRequest[] {
    return this.stub.requests.filter((r) => PUBLISH_PATH.test(r.path));
  }

  reset(): void {
    this.published.length = 0;
    this.failures.length = 0;
    this.lostAnswers.length = 0;
    this.stub.requests.length = 0;
    this.beforeAnswer = undefined;
    this.afterAnswer = undefined;
  }

  close(): Promise<void> {
    return this.stub.close();
  }

  private async publish(request: RecordedRequest): Promise<StubAnswer> {
    const match = PUBLISH_PATH.exec(request.path);
    if (request.method !== 'POST' || !match)
      return googleError(404, 'NOT_FOUND', `no such method: ${request.method} ${request.path}`);
    if (this.failures.length > 0) return this.failures.shift()!;
    let body: { messages?: Array<{ data?: string; attributes?: Record<string, string>; orderingKey?: string }> };
    try {
      body = JSON.parse(request.body);
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return googleError(400, 'INVALID_ARGUMENT', 'messages must be a non-empty array');
    }
    const messages = body.messages.map((m) => ({
      project: decodeURIComponent(match[1]),
      topic: decodeURIComponent(match[2]),
      data: Buffer.from(m.data ?? '', 'base64').toString('utf8'),
      attributes: m.attributes ?? {},
      ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
      messageId: String(this.nextId++),
      authorization: request.headers['authorization'],
      contentType: request.headers['content-type'],
      at: request.at,
    }));
    for (const message of messages) {
      this.published.push(message);
      await this.beforeAnswer?.(message);
    }
    if (this.afterAnswer) {
      const hook = this.afterAnswer;
      setImmediate(() => messages.forEach((m) => void Promise.resolve(hook(m)).catch(() => undefined)));
    }
    if (this.lostAnswers.length > 0) return this.lostAnswers.shift()!;
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messageIds: messages.map((m) => m.messageId) }),
    };
  }
}

export function googleError(code: number, status: string, message: string): StubAnswer {
  return {
    status: code,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: { code, message, status } }),
  };
}

export function echoRequestOf(message: PublishedMessage): EchoRequest {
  const task = JSON.parse(message.data) as EchoRequest;
  return { ...task, loop: task.payload?.loop, iteration: task.payload?.iteration };
}

/** The reply the echo function sends for a task (PushTask's contract, §3): its payload as the result. */
export function replyBody(
  request: Pick<EchoRequest, 'processInstanceId' | 'requestId'> & { payload?: unknown },
  result: unknown = request.payload,
): Record<string, unknown> {
  return {
    messageName: 'PushTaskReply',
    processInstanceId: request.processInstanceId,
    correlationKeys: { requestId: { value: request.requestId, type: 'String' } },
    processVariables: {
      pushContractVersion: { value: 1, type: 'Integer' },
      pushOutcome: { value: 'completed', type: 'String' },
      result:
        result === undefined || result === null
          ? { value: null, type: 'Null' }
          : { value: JSON.stringify(result), type: 'Json' },
    },
  };
}

/**
 * Plays the echo function: POSTs the reply of an echo request to the engine and returns the status,
 * retrying what the function would retry (500 optimistic locking, network errors).
 */
export async function sendReply(restUrl: string, request: EchoRequest, payload?: unknown): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${restUrl}/message`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(replyBody(request, payload)),
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
