/**
 * The push-relay pattern's plumbing on the local stack: a topic of its own with a pull subscription,
 * which the relay (./relay.ts) pulls and POSTs to the echo function as Pub/Sub's push would. The
 * stack's push subscription stays on its own topic, so the emulator's push never sees these messages;
 * the loops of the pattern publish here because EchoLoop takes the topic as a start variable.
 */
import type { LocalStack } from '../../local/stack';
import { LOCAL_SUBSCRIPTION } from '../../local/stack';
import type { PubsubEmulator } from '../../local/pubsub-emulator';
import { startPushRelay, type PushRelay, type RelayDelivery } from './relay';

const DEAD_LETTER_TOPIC = 'relay-dead-letters';

/**
 * A topic and its pull subscription `<topic>-pull`, as PushWorker's subscription but for the retry
 * policy: with one, the emulator (0.8.20) may stop redelivering after a nack (local/stack.ts), so a
 * nacked message comes again at once. The dead-letter policy makes the emulator count attempts.
 */
export async function relaySubscription(emulator: PubsubEmulator, topic: string): Promise<void> {
  await emulator.createTopic(DEAD_LETTER_TOPIC).catch(() => undefined); // the second call finds it there
  await emulator.createTopic(topic);
  await emulator.createPullSubscription(`${topic}-pull`, topic, {
    ackDeadlineSeconds: LOCAL_SUBSCRIPTION.ackDeadlineSeconds,
    deadLetterPolicy: {
      deadLetterTopic: DEAD_LETTER_TOPIC,
      maxDeliveryAttempts: LOCAL_SUBSCRIPTION.maxDeliveryAttempts,
    },
  });
}

export interface RelayPattern {
  /** The topic the pattern's loops publish to. */
  readonly topic: string;
  readonly relay: PushRelay;
  readonly deliveries: RelayDelivery[];
  stop(): Promise<void>;
}

/** `use` names the topic (`<stack topic>-relay`, or `-relay-<use>`): the JIT warm-up's leftovers stay on its own. */
export async function startRelayPattern(stack: LocalStack, concurrency: number, use?: string): Promise<RelayPattern> {
  const topic = use === undefined ? `${stack.topic}-relay` : `${stack.topic}-relay-${use}`;
  await relaySubscription(stack.emulator, topic);
  const deliveries: RelayDelivery[] = [];
  const relay = startPushRelay({
    emulatorHost: stack.emulator.hostPort,
    project: stack.emulator.project,
    subscription: `${topic}-pull`,
    endpoint: stack.echoFunction.pushEndpoint(stack.emulator.topicPath(topic)),
    concurrency,
    // Pub/Sub's push waits for an answer up to the ack deadline.
    timeoutMs: LOCAL_SUBSCRIPTION.ackDeadlineSeconds * 1000,
    onDelivery: (delivery) => deliveries.push(delivery),
  });
  return { topic, relay, deliveries, stop: () => relay.close() };
}
