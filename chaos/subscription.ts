/**
 * The push subscription of a chaos run and its patience: how long Pub/Sub keeps trying a message that
 * every delivery fails before it gives it to the dead-letter topic. The `scale-to-zero` fault keeps
 * every engine down for longer than that, so that its messages are dead-lettered.
 *
 * The emulator (0.8.20) honours a push subscription's dead-letter policy: after maxDeliveryAttempts
 * failed pushes the message goes to the dead-letter topic, with CloudPubSubDeadLetterSourceDeliveryCount
 * among its attributes (checked by hand with a failing endpoint: 5 attempts at about 0, 1, 12, 24 and
 * 36 s with a 10 s backoff, dead-lettered about 10 s after the last). Its pushes carry no deliveryAttempt.
 */
import type { PushSubscriptionSettings } from '../local/stack';

/**
 * The chaos run's push subscription: the local ack deadline, but 5 delivery attempts (Pub/Sub's least)
 * and a backoff of 10 s flat (the cloud's minimum; not shorter, see LOCAL_SUBSCRIPTION) instead of 10
 * attempts over 10 to 60 s, so that a scale-to-zero lasts about a minute rather than seven.
 */
export const CHAOS_SUBSCRIPTION: PushSubscriptionSettings = {
  retryPolicy: { minimumBackoff: '10s', maximumBackoff: '10s' },
  maxDeliveryAttempts: 5,
};

/** What one delivery attempt may add to the backoff: the push, the function's failure, the emulator's timer. */
const PER_ATTEMPT_SLACK_MS = 2_000;
/** How much longer than its patience a scale-to-zero keeps every engine down. */
export const SCALE_TO_ZERO_MARGIN_MS = 10_000;

/**
 * From a message's first failed push to its dead-lettering, at most: one backoff after each of the
 * maxDeliveryAttempts failures (doubling from the minimum up to the maximum, as Pub/Sub's exponential
 * backoff does), plus some slack per attempt.
 */
export function pushPatienceMs(settings: PushSubscriptionSettings): number {
  const minimum = durationMs(settings.retryPolicy.minimumBackoff, 'retryPolicy.minimumBackoff');
  const maximum = durationMs(settings.retryPolicy.maximumBackoff, 'retryPolicy.maximumBackoff');
  let total = 0;
  for (let attempt = 1; attempt <= settings.maxDeliveryAttempts; attempt += 1) {
    total += Math.min(minimum * 2 ** (attempt - 1), maximum) + PER_ATTEMPT_SLACK_MS;
  }
  return total;
}

/** How long a scale-to-zero keeps every engine down on this subscription. */
export function scaleToZeroDownMs(settings: PushSubscriptionSettings): number {
  return pushPatienceMs(settings) + SCALE_TO_ZERO_MARGIN_MS;
}

/** A protobuf Duration as JSON ("10s", "1.5s") in milliseconds. */
function durationMs(text: string, key: string): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text);
  if (!match) throw new Error(`${key} must be a duration in seconds such as "10s", not ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * 1000);
}
