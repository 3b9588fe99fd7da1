/**
 * The official Pub/Sub emulator (the gcloud component) as a child process on 127.0.0.1, with small
 * helpers for its REST API: topics, pull and push subscriptions, publish, pull and acknowledge. Used
 * by the BPMN tests and by `npm run local`. The emulator keeps everything in memory: after stop() and
 * start() its topics and subscriptions are gone and must be created again. It ignores authentication.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../devkit/loopback';
import { startChild, type Child } from './processes';

export const EMULATOR_NOT_FOUND =
  'Pub/Sub emulator not found: install it with `gcloud components install pubsub-emulator` (or Debian/apt package google-cloud-cli-pubsub-emulator)';

export interface PubsubEmulatorOptions {
  /** Where its log goes (emulator.log). */
  readonly dataDir: string;
  /** Port on 127.0.0.1 (REST and gRPC share it); a free one by default. */
  readonly port?: number;
  /** The project the helpers use. */
  readonly project?: string;
  /** How long to wait for it to answer. */
  readonly readyTimeoutMs?: number;
}

export interface RetryPolicy {
  /** Such as "10s". */
  readonly minimumBackoff?: string;
  readonly maximumBackoff?: string;
}

export interface DeadLetterPolicy {
  /** The dead-letter topic's short name (in the emulator's project) or full name. */
  readonly deadLetterTopic: string;
  readonly maxDeliveryAttempts?: number;
}

export interface SubscriptionOptions {
  readonly ackDeadlineSeconds?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly deadLetterPolicy?: DeadLetterPolicy;
  readonly enableMessageOrdering?: boolean;
}

export interface OutgoingMessage {
  /** Text (sent as UTF-8) or a value sent as its JSON text. */
  readonly data: string | unknown;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
}

export interface ReceivedMessage {
  readonly ackId: string;
  readonly messageId: string;
  /** The decoded data, as UTF-8 text. */
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
  readonly publishTime: string;
  readonly deliveryAttempt?: number;
}

export interface PubsubEmulator {
  /** Base URL of the REST API, such as http://127.0.0.1:PORT: the engine's PUBSUB_URL. */
  readonly url: string;
  /** HOST:PORT, the value of PUBSUB_EMULATOR_HOST for client libraries. */
  readonly hostPort: string;
  readonly port: number;
  readonly project: string;
  readonly logFile: string;
  /** The full name projects/P/topics/T of a short topic name (full names pass through). */
  topicPath(topic: string): string;
  subscriptionPath(subscription: string): string;
  createTopic(topic: string): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  createPullSubscription(subscription: string, topic: string, options?: SubscriptionOptions): Promise<void>;
  createPushSubscription(
    subscription: string,
    topic: string,
    endpoint: string,
    options?: SubscriptionOptions,
  ): Promise<void>;
  deleteSubscription(subscription: string): Promise<void>;
  /** Points a subscription at another push endpoint, or (null) turns it into a pull subscription. */
  setPushEndpoint(subscription: string, endpoint: string | null): Promise<void>;
  /** Publishes and returns the message ids. */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]>;
  /** Pulls what is there (up to maxMessages) and, unless ack is false, acknowledges it. */
  pull(subscription: string, options?: { maxMessages?: number; ack?: boolean }): Promise<ReceivedMessage[]>;
  acknowledge(subscription: string, ackIds: readonly string[]): Promise<void>;
  /** Gives pulled messages back at once (an ack deadline of 0), for the subscription to deliver again. */
  release(subscription: string, ackIds: readonly string[]): Promise<void>;
  /** Stops the emulator (everything it held is lost). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  readonly running: boolean;
}

/** The emulator's start script: PUBSUB_EMULATOR_BIN, then the usual gcloud SDK locations. */
export function findEmulator(): string {
  const script = join('platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
  const candidates = [
    process.env.PUBSUB_EMULATOR_BIN,
    join('/usr/lib/google-cloud-sdk', script),
    join('/usr/share/google-cloud-sdk', script),
    join('/opt/google-cloud-sdk', script),
    join(homedir(), 'google-cloud-sdk', script),
  ];
  const known = candidates.find((path): path is string => !!path && existsSync(path));
  if (known) return known;
  // An SDK somewhere else: ask gcloud where (slow, so only when the usual places are empty).
  try {
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 20_000,
    }).trim();
    if (root && existsSync(join(root, script))) return join(root, script);
  } catch {
    // no gcloud on PATH
  }
  throw new Error(EMULATOR_NOT_FOUND);
}

export async function startPubsubEmulator(options: PubsubEmulatorOptions): Promise<PubsubEmulator> {
  const bin = findEmulator();
  mkdirSync(options.dataDir, { recursive: true });
  const emulator = new EmulatorProcess(bin, options, options.port ?? (await freePort()));
  await emulator.start();
  return emulator;
}

/** A received message as the REST API answers it. */
interface WireReceivedMessage {
  ackId: string;
  deliveryAttempt?: number;
  message: {
    messageId: string;
    data?: string;
    attributes?: Record<string, string>;
    orderingKey?: string;
    publishTime: string;
  };
}

/** The emulator's process on one port, and its REST API. */
class EmulatorProcess implements PubsubEmulator {
  readonly url: string;
  readonly hostPort: string;
  readonly project: string;
  readonly logFile: string;
  private child: Child | undefined;

  constructor(
    private readonly bin: string,
    private readonly options: PubsubEmulatorOptions,
    readonly port: number,
  ) {
    this.project = options.project ?? 'local-project';
    this.url = `http://127.0.0.1:${port}`;
    this.hostPort = `127.0.0.1:${port}`;
    this.logFile = join(options.dataDir, 'emulator.log');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const started = startChild('pubsub-emulator', this.bin, ['--host=127.0.0.1', `--port=${this.port}`], {
      logFile: this.logFile,
      env: { ...process.env, JAVA_TOOL_OPTIONS: process.env.JAVA_TOOL_OPTIONS ?? '-Xmx256m' },
    });
    this.child = started;
    void started.exited.then(() => {
      if (this.child === started) this.child = undefined;
    });
    try {
      await waitForEmulator(this.url, started, this.options.readyTimeoutMs ?? 60_000);
    } catch (error) {
      await started.stop(2_000);
      throw error;
    }
  }

  async stop(): Promise<void> {
    const running = this.child;
    this.child = undefined;
    await running?.stop(5_000);
  }

  topicPath(topic: string): string {
    return topic.startsWith('projects/') ? topic : `projects/${this.project}/topics/${topic}`;
  }

  subscriptionPath(subscription: string): string {
    return subscription.startsWith('projects/')
      ? subscription
      : `projects/${this.project}/subscriptions/${subscription}`;
  }

  async createTopic(topic: string): Promise<void> {
    await this.rest('PUT', this.topicPath(topic));
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.rest('DELETE', this.topicPath(topic));
  }

  async createPullSubscription(subscription: string, topic: string, settings: SubscriptionOptions = {}): Promise<void> {
    await this.rest('PUT', this.subscriptionPath(subscription), this.subscriptionBody(topic, settings));
  }

  async createPushSubscription(
    subscription: string,
    topic: string,
    endpoint: string,
    settings: SubscriptionOptions = {},
  ): Promise<void> {
    await this.rest('PUT', this.subscriptionPath(subscription), this.subscriptionBody(topic, settings, endpoint));
  }

  async deleteSubscription(subscription: string): Promise<void> {
    await this.rest('DELETE', this.subscriptionPath(subscription));
  }

  async setPushEndpoint(subscription: string, endpoint: string | null): Promise<void> {
    await this.rest('POST', `${this.subscriptionPath(subscription)}:modifyPushConfig`, {
      pushConfig: endpoint === null ? {} : { pushEndpoint: endpoint },
    });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
    const body = {
      messages: messages.map((m) => ({
        data: Buffer.from(typeof m.data === 'string' ? m.data : JSON.stringify(m.data), 'utf8').toString('base64'),
        ...(m.attributes ? { attributes: m.attributes } : {}),
        ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
      })),
    };
    const answer = (await this.rest('POST', `${this.topicPath(topic)}:publish`, body)) as { messageIds?: string[] };
    return answer.messageIds ?? [];
  }

  async pull(subscription: string, settings: { maxMessages?: number; ack?: boolean } = {}): Promise<ReceivedMessage[]> {
    const answer = (await this.rest('POST', `${this.subscriptionPath(subscription)}:pull`, {
      maxMessages: settings.maxMessages ?? 100,
      returnImmediately: true,
    })) as { receivedMessages?: WireReceivedMessage[] };
    const received = (answer.receivedMessages ?? []).map(decodeReceived);
    if (settings.ack !== false)
      await this.acknowledge(
        subscription,
        received.map((r) => r.ackId),
      );
    return received;
  }

  async acknowledge(subscription: string, ackIds: readonly string[]): Promise<void> {
    if (ackIds.length > 0) await this.rest('POST', `${this.subscriptionPath(subscription)}:acknowledge`, { ackIds });
  }

  /** Gives pulled messages back at once (an ack deadline of 0), for the subscription to deliver again. */
  async release(subscription: string, ackIds: readonly string[]): Promise<void> {
    if (ackIds.length > 0) {
      await this.rest('POST', `${this.subscriptionPath(subscription)}:modifyAckDeadline`, {
        ackIds,
        ackDeadlineSeconds: 0,
      });
    }
  }

  private async rest(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}/v1/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`Pub/Sub emulator: ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : {};
  }

  private subscriptionBody(topic: string, settings: SubscriptionOptions, pushEndpoint?: string) {
    return {
      topic: this.topicPath(topic),
      ackDeadlineSeconds: settings.ackDeadlineSeconds ?? 10,
      ...(pushEndpoint ? { pushConfig: { pushEndpoint } } : {}),
      ...(settings.retryPolicy ? { retryPolicy: settings.retryPolicy } : {}),
      ...(settings.deadLetterPolicy
        ? {
            deadLetterPolicy: {
              deadLetterTopic: this.topicPath(settings.deadLetterPolicy.deadLetterTopic),
              maxDeliveryAttempts: settings.deadLetterPolicy.maxDeliveryAttempts ?? 5,
            },
          }
        : {}),
      ...(settings.enableMessageOrdering ? { enableMessageOrdering: true } : {}),
    };
  }
}

function decodeReceived(r: WireReceivedMessage): ReceivedMessage {
  return {
    ackId: r.ackId,
    messageId: r.message.messageId,
    data: Buffer.from(r.message.data ?? '', 'base64').toString('utf8'),
    attributes: r.message.attributes ?? {},
    ...(r.message.orderingKey ? { orderingKey: r.message.orderingKey } : {}),
    publishTime: r.message.publishTime,
    ...(r.deliveryAttempt ? { deliveryAttempt: r.deliveryAttempt } : {}),
  };
}

async function waitForEmulator(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void child.exited.then((code) => (exit = code));
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      const tail = child.tail(5);
      if (/java: not found|JAVA_HOME/.test(tail))
        throw new Error(`Pub/Sub emulator needs Java (a JRE 11 or newer on PATH):\n${tail}`);
      throw new Error(`Pub/Sub emulator exited (${exit}) before it answered:\n${tail}`);
    }
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Pub/Sub emulator at ${url} did not answer within ${timeoutMs} ms:\n${child.tail(5)}`);
}
