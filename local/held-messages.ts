/**
 * Hands the messages a push subscription still holds to the function, once each, as a redelivery
 * would: for messages the emulator (0.8.20) stopped redelivering after failed pushes.
 */
import type { PubsubEmulator, ReceivedMessage } from './pubsub-emulator';

/**
 * Takes every message `subscription` holds from before the call (turning it into a pull subscription for
 * that) and pushes each to `functionEndpoint` once, acknowledging only those the function took; then points the
 * subscription at `pushEndpoint` again. Returns their message ids.
 */
export async function pushHeldMessages(
  emulator: PubsubEmulator,
  subscription: string,
  functionEndpoint: string,
  pushEndpoint: string,
): Promise<string[]> {
  const ids: string[] = [];
  const startedAt = Date.now();
  await emulator.setPushEndpoint(subscription, null);
  try {
    for (;;) {
      // Acked only once the function took it, as a push would be: a refused one stays with the
      // subscription (until its ack deadline) and is pushed again after the endpoint is restored.
      const pulled = (await emulator.pull(subscription, { maxMessages: 500, ack: false })).filter(
        (message) => !ids.includes(message.messageId),
      );
      // Only what was held when this began: loops still running publish on, and a handed message's
      // reply makes the next one, so draining everything would never end. Newer ones go back at once.
      const newer = pulled.filter((message) => Date.parse(message.publishTime) > startedAt);
      await emulator.release(
        subscription,
        newer.map((message) => message.ackId),
      );
      const held = pulled.filter((message) => !newer.includes(message));
      if (held.length === 0) break;
      const taken: string[] = [];
      for (const message of held) {
        ids.push(message.messageId);
        if (await pushToFunction(functionEndpoint, emulator.subscriptionPath(subscription), message))
          taken.push(message.ackId);
      }
      await emulator.acknowledge(subscription, taken);
    }
  } finally {
    await emulator.setPushEndpoint(subscription, pushEndpoint);
  }
  return ids;
}

/** Pushes one message to the function as Pub/Sub would; true when the function took it. */
async function pushToFunction(endpoint: string, subscription: string, message: ReceivedMessage): Promise<boolean> {
  const push = {
    message: {
      data: Buffer.from(message.data, 'utf8').toString('base64'),
      attributes: message.attributes,
      messageId: message.messageId,
      publishTime: message.publishTime,
    },
    subscription,
  };
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(push),
    signal: AbortSignal.timeout(30_000),
  });
  return answer.ok;
}
