/**
 * The push subscription of a chaos run and its patience: how long a message that every delivery fails
 * is tried before it goes to the dead-letter topic. The `scale-to-zero` fault keeps every engine down
 * for longer than that, so that its messages are dead-lettered.
 *
 * The emulator (0.8.20) does not honour a push subscription's dead-letter policy reliably. Checked by
 * hand with an endpoint that always answers 500 (maxDeliveryAttempts 5, backoff 10 s): once it pushed
 * 5 times (at about 0, 1, 12, 24 and 36 s) and dead-lettered the message 10 s later; in four other
 * tries (one or two messages, ack deadline 10, 20 or 30 s) it pushed 3 times and then never again,
 * with nothing dead-lettered and nothing in its log; in the first short run with scale-to-zero, 4
 * times. It refuses maxDeliveryAttempts below 5, and its pushes carry no deliveryAttempt. So the push
 * proxy stands in for Pub/Sub's dead-lettering (dead-letter.ts): it counts the function's failed
 * answers per message id and, at the `deadLetterAfter`-th, publishes the message to the dead-letter
 * topic and acks it. 3 is the most failed pushes the emulator was always seen to make.
 */
import type { PushSubscriptionSettings } from '../local/stack';

export interface ChaosSubscription extends PushSubscriptionSettings {
  /** Failed pushes of one message after which the push proxy dead-letters it (the stand-in; at most maxDeliveryAttempts). */
  readonly deadLetterAfter: number;
}

/**
 * The chaos run's push subscription: the local ack deadline, but a backoff of 10 s flat (the cloud's
 * minimum; not shorter, see LOCAL_SUBSCRIPTION) instead of 10 to 60 s, the emulator's least
 * maxDeliveryAttempts (5), and dead letters after 3 failed pushes through the push proxy: a scale to
 * zero lasts under a minute.
 */
export const CHAOS_SUBSCRIPTION: ChaosSubscription = {
  retryPolicy: { minimumBackoff: '10s', maximumBackoff: '10s' },
  maxDeliveryAttempts: 5,
  deadLetterAfter: 3,
};

/** What one delivery attempt may add to the backoff: the push, the function's failure, the emulator's timer. */
const PER_ATTEMPT_SLACK_MS = 2_000;
/** How much longer than its patience a scale-to-zero keeps every engine down. */
export const SCALE_TO_ZERO_MARGIN_MS = 10_000;

/**
 * From a message's first failed push to its dead-lettering, at most: one backoff after each of
 * `attempts` failures (doubling from the minimum up to the maximum, as Pub/Sub's exponential backoff
 * does; Pub/Sub dead-letters at the attempt after the last), plus some slack per attempt.
 */
export function pushPatienceMs(settings: PushSubscriptionSettings, attempts = settings.maxDeliveryAttempts): number {
  const minimum = durationMs(settings.retryPolicy.minimumBackoff, 'retryPolicy.minimumBackoff');
  const maximum = durationMs(settings.retryPolicy.maximumBackoff, 'retryPolicy.maximumBackoff');
  let total = 0;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    total += Math.min(minimum * 2 ** (attempt - 1), maximum) + PER_ATTEMPT_SLACK_MS;
  }
  return total;
}

/** How long a scale-to-zero keeps every engine down on this subscription: past the push proxy's dead-lettering. */
export function scaleToZeroDownMs(settings: ChaosSubscription): number {
  return (
    pushPatienceMs(settings, Math.min(settings.deadLetterAfter, settings.maxDeliveryAttempts)) + SCALE_TO_ZERO_MARGIN_MS
  );
}

/** A protobuf Duration as JSON ("10s", "1.5s") in milliseconds. */
function durationMs(text: string, key: string): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text);
  if (!match) throw new Error(`${key} must be a duration in seconds such as "10s", not ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * 1000);
}
