/**
 * The push proxy's stand-in for Pub/Sub's dead-lettering (subscription.ts says why the emulator's own
 * cannot be relied on): it counts the function's failed answers to pushes per message id and, at the
 * limit, publishes the message to the dead-letter topic, as Pub/Sub forwards a message past its
 * maxDeliveryAttempts, and acks the push (204), so that the emulator is done with it. The dead
 * letter carries Pub/Sub's attributes (CloudPubSubDeadLetterSourceDeliveryCount, ...Subscription) and
 * `chaosDeadLetterOf`, the original message id, since a publish gives it a new one; the run's
 * settlement drains it like any dead letter (settlement.ts).
 */
import type { UpstreamAnswer } from '../devkit/proxy';
import type { ProxiedRequest } from './fault-proxy';

/** The attribute of a dead letter the stand-in published that names the original message id. */
export const DEAD_LETTER_OF = 'chaosDeadLetterOf';

const ACKED: UpstreamAnswer = { status: 204, headers: {}, body: Buffer.alloc(0) };

interface Push {
  readonly subscription?: string;
  readonly message?: { readonly messageId?: string; readonly data?: string; attributes?: Record<string, string> };
}

export class DeadLetterStandIn {
  private readonly failures = new Map<string, number>();
  private emulatorUrl: string | undefined;

  constructor(
    /** Failed pushes of one message after which it is dead-lettered. */
    private readonly limit: number,
    /** The dead-letter topic's short name (the project comes from the push's subscription). */
    private readonly deadLetterTopic: string,
  ) {}

  /** Where to publish dead letters: the emulator's REST URL, known once the stack started it. */
  useEmulator(url: string): void {
    this.emulatorUrl = url;
  }

  /** How many messages it dead-lettered. */
  get deadLettered(): number {
    return [...this.failures.values()].filter((count) => count >= this.limit).length;
  }

  /**
   * A push the function failed (answered non-2xx, or could not be reached): the answer to give the
   * emulator instead, once this message reached the limit; undefined to pass the failure on.
   */
  async failed(request: ProxiedRequest): Promise<UpstreamAnswer | undefined> {
    let push: Push;
    try {
      push = JSON.parse(request.body.toString('utf8')) as Push;
    } catch {
      return undefined;
    }
    const id = push.message?.messageId;
    if (!id || !this.emulatorUrl) return undefined;
    const count = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, count);
    if (count < this.limit) return undefined;
    try {
      await this.publish(push, id, count);
    } catch {
      return undefined; // not dead-lettered: the emulator keeps it and tries again
    }
    return ACKED;
  }

  private async publish(push: Push, id: string, count: number): Promise<void> {
    const project = /^projects\/([^/]+)\//.exec(push.subscription ?? '')?.[1] ?? 'local-project';
    const subscription = (push.subscription ?? '').split('/').pop() ?? '';
    const message = {
      data: push.message?.data ?? '',
      attributes: {
        ...push.message?.attributes,
        CloudPubSubDeadLetterSourceDeliveryCount: String(count),
        CloudPubSubDeadLetterSourceSubscription: subscription,
        CloudPubSubDeadLetterSourceSubscriptionProject: project,
        [DEAD_LETTER_OF]: id,
      },
    };
    const answer = await fetch(`${this.emulatorUrl}/v1/projects/${project}/topics/${this.deadLetterTopic}:publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [message] }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!answer.ok) throw new Error(`dead-letter publish answered ${answer.status}`);
  }
}
