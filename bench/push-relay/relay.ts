/**
 * A push relay: stands in for Pub/Sub's push at scale, where the emulator's own push (two delivery
 * threads, a 100 ms poll: bench/README.md) cannot. The official @google-cloud/pubsub client pulls a
 * subscription by streaming pull from the emulator, and each message is POSTed at once to an endpoint
 * as Pub/Sub's push would: the raw push body ({message, subscription, deliveryAttempt}), a 2xx answer
 * acks, anything else (another status, a connection error, no answer within the ack deadline) nacks
 * for redelivery. At most `concurrency` messages are out at once: the client's flow control holds the
 * rest (allowExcessMessages false), as Pub/Sub's push holds messages an endpoint is not ready for.
 */
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';

export interface RelayOptions {
  /** HOST:PORT of the emulator (the value of PUBSUB_EMULATOR_HOST). */
  readonly emulatorHost: string;
  readonly project: string;
  /** The pull subscription's short name. */
  readonly subscription: string;
  /** Where each message is POSTed. */
  readonly endpoint: string;
  /** The most messages POSTed and not yet answered at one moment. */
  readonly concurrency: number;
  /** How long a POST may take before it counts as failed (Pub/Sub push waits up to the ack deadline). */
  readonly timeoutMs?: number;
  /** Called with every message's figures once its POST was answered (or failed). */
  readonly onDelivery?: (delivery: RelayDelivery) => void;
}

/** What became of one message of the relay. */
export interface RelayDelivery {
  readonly messageId: string;
  readonly deliveryAttempt: number;
  /** HTTP status, or 0 when no answer came (connection error, timeout). */
  readonly status: number;
  readonly acked: boolean;
  /** The message's attributes, as published. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The message's publish time (the emulator's clock, as it accepted the publish), epoch ms. */
  readonly publishedAt: number;
  /** When the relay received it, epoch ms. */
  readonly receivedAt: number;
  /** From the message's publish time to the relay receiving it, ms. */
  readonly receivedAfterPublishMs: number;
  /** The POST, from sending it to its answer, ms. */
  readonly postMs: number;
}

export interface RelayCounts {
  readonly acked: number;
  readonly nacked: number;
  /** The most POSTs that were out at one moment. */
  readonly mostInFlight: number;
  readonly inFlight: number;
}

export interface PushRelay {
  readonly counts: RelayCounts;
  close(): Promise<void>;
}

export const DEFAULT_RELAY_CONCURRENCY = 64;

/** The body Pub/Sub's push (and the emulator's) POSTs for one message. */
export function pushBody(message: Message, subscriptionPath: string): string {
  const publishTime = message.publishTime.toISOString();
  return JSON.stringify({
    message: {
      data: message.data.toString('base64'),
      attributes: message.attributes,
      messageId: message.id,
      message_id: message.id,
      publishTime,
      publish_time: publishTime,
      ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
    },
    subscription: subscriptionPath,
    // Only a subscription with a dead-letter policy counts attempts; Pub/Sub then sends it.
    ...(message.deliveryAttempt ? { deliveryAttempt: message.deliveryAttempt } : {}),
  });
}

export function startPushRelay(options: RelayOptions): PushRelay {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new Error(`relay concurrency: expected a whole number of at least 1, got ${options.concurrency}`);
  }
  const client = new PubSub({ projectId: options.project, apiEndpoint: options.emulatorHost, emulatorMode: true });
  const subscription: Subscription = client.subscription(options.subscription, {
    flowControl: { maxMessages: options.concurrency, allowExcessMessages: false },
  });
  const counts = { acked: 0, nacked: 0, mostInFlight: 0, inFlight: 0 };
  const timeoutMs = options.timeoutMs ?? 30_000;
  subscription.on('message', (message: Message) => {
    counts.inFlight += 1;
    counts.mostInFlight = Math.max(counts.mostInFlight, counts.inFlight);
    const receivedAt = Date.now();
    const publishedAt = message.publishTime.getTime();
    const started = performance.now();
    void post(options.endpoint, pushBody(message, subscription.name), timeoutMs).then((status) => {
      const acked = status >= 200 && status < 300;
      counts.inFlight -= 1;
      if (acked) {
        counts.acked += 1;
        message.ack();
      } else {
        counts.nacked += 1;
        message.nack();
      }
      options.onDelivery?.({
        messageId: message.id,
        deliveryAttempt: message.deliveryAttempt,
        status,
        acked,
        attributes: message.attributes,
        publishedAt,
        receivedAt,
        receivedAfterPublishMs: receivedAt - publishedAt,
        postMs: performance.now() - started,
      });
    });
  });
  // A stream error is retried by the client; one it gives up on ends the relay's deliveries, so say so.
  subscription.on('error', (error: Error) => console.error(`push relay: ${error.message}`));
  return {
    counts,
    close: async () => {
      await subscription.close();
      await client.close();
    },
  };
}

/** POSTs the body; the status of the answer, or 0 when none came. */
async function post(endpoint: string, body: string, timeoutMs: number): Promise<number> {
  try {
    const answer = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      redirect: 'manual', // a redirect is no 2xx: nacked, as Pub/Sub's push does
      signal: AbortSignal.timeout(timeoutMs),
    });
    await answer.arrayBuffer(); // read to the end, so the connection is reused
    return answer.status;
  } catch {
    return 0;
  }
}
