/**
 * For the workers' unit tests: a fake engine on 127.0.0.1 that takes replies (204), the worker built
 * from its definition with that engine and a captured log, and Pub/Sub push deliveries of PushTask
 * messages (contract §2) as the Functions Framework hands them to a CloudEvent handler.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import {
  loadConfig,
  pushWorker,
  type LogLine,
  type PushWorkerFunction,
  type PushWorkerOptions,
} from '@camunda-serverless/worker';
import type { z } from 'zod';

import { HttpServer } from '../../../devkit/http-server';

export interface Delivery {
  readonly payload: unknown;
  readonly deliveryAttempt?: number;
  readonly requestId?: string;
}

export class WorkerHarness<Schema extends z.ZodType> {
  readonly lines: LogLine[] = [];
  private readonly engine = new HttpServer();
  private worker!: PushWorkerFunction;
  private messages = 0;

  constructor(private readonly definition: PushWorkerOptions<Schema>) {}

  async start(): Promise<this> {
    this.engine.on('POST', '/engine-rest/message', { status: 204 });
    await this.engine.start();
    this.worker = pushWorker({
      ...this.definition,
      config: loadConfig({ ENGINE_URL: this.engine.url, ENGINE_AUTH: 'none', MAX_DELIVERY_ATTEMPTS: '10' }),
      log: (line) => this.lines.push(line),
    });
    return this;
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  reset(): void {
    this.engine.reset();
    this.lines.length = 0;
  }

  /** The replies the engine got, as parsed JSON. */
  get replies(): Array<Record<string, unknown>> {
    return this.engine.requestsTo('/engine-rest/message').map((request) => JSON.parse(request.body));
  }

  /** Delivers one message; resolves when the worker acks, rejects when it asks for a redelivery. */
  deliver(delivery: Delivery): Promise<void> {
    this.messages += 1;
    const message = {
      version: 1,
      taskType: this.definition.taskType,
      processInstanceId: 'pushtask-instance-1',
      requestId: delivery.requestId ?? `request-${this.messages}`,
      sentAt: new Date().toISOString(),
      payload: delivery.payload,
    };
    const data = {
      message: {
        data: Buffer.from(JSON.stringify(message)).toString('base64'),
        messageId: `message-${this.messages}`,
        attributes: { taskType: this.definition.taskType, version: '1' },
      },
      subscription: 'projects/local-project/subscriptions/orders-push',
      ...(delivery.deliveryAttempt === undefined ? {} : { deliveryAttempt: delivery.deliveryAttempt }),
    };
    const event = {
      specversion: '1.0',
      id: `message-${this.messages}`,
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/local-project/topics/orders',
      data,
    } as unknown as CloudEvent<unknown>;
    return this.worker(event);
  }
}

/** The variables of a reply, as plain values. */
export function replyVariables(reply: Record<string, unknown>): Record<string, unknown> {
  const variables = reply.processVariables as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(variables).map(([name, { value }]) => [name, value]));
}
