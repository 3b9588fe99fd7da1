// Step 5 of PushWorker: the push path. Our own push subscription delivers to the function with an OIDC
// token, retries with backoff (10 s to 600 s) and dead-letters after `maxDeliveryAttempts`, which the
// function's Eventarc trigger could not. The endpoint ends in /projects/<p>/topics/<t>: a worker
// registered as an HTTP function (as it should be: the raw body keeps deliveryAttempt) ignores the
// path, and one registered as a CloudEvent function gets its event source from it.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { PushFunction } from './function';
import type { PushIdentities } from './identities';
import type { PushProject } from './project';
import type { PushSettingValues, ResolvedPushWorkerArgs } from './resolve-args';
import type { PushTopics } from './topics';

export interface PushPath {
  /** The push account's run.invoker on the function's service. */
  readonly pushInvoker: gcp.cloudrunv2.ServiceIamMember;
  readonly subscription: gcp.pubsub.Subscription;
  /** The service agent's subscriber right, to ack what it dead-letters. */
  readonly deadLetterAck: gcp.pubsub.SubscriptionIAMMember;
}

export function declarePushPath(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  settings: pulumi.Output<Required<PushSettingValues>>,
  steps: { project: PushProject; topics: PushTopics; identities: PushIdentities; fn: PushFunction },
): PushPath {
  const { name, names, project, region, labels } = args;
  const { topics, identities, fn } = steps;
  const parent = { parent: component };
  const pushInvoker = new gcp.cloudrunv2.ServiceIamMember(
    `${name}-push-invoker`,
    { project, location: region, name: fn.serviceName, role: 'roles/run.invoker', member: identities.pushMember },
    parent,
  );
  const subscription = new gcp.pubsub.Subscription(
    `${name}-push`,
    {
      project,
      name: names.pushSubscription,
      topic: topics.topic.id,
      // At least the function timeout: a slower ack deadline would redeliver a delivery in progress.
      ackDeadlineSeconds: settings.functionTimeoutSeconds.apply((t) => Math.min(600, t + 10)),
      pushConfig: {
        pushEndpoint: pulumi.interpolate`${fn.url}/projects/${project}/topics/${topics.topic.name}`,
        oidcToken: { serviceAccountEmail: identities.pushAccount.email, audience: fn.url },
      },
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
      deadLetterPolicy: {
        deadLetterTopic: topics.deadLetterTopic.id,
        maxDeliveryAttempts: settings.maxDeliveryAttempts,
      },
      // The default expiry (31 days without activity) would end a quiet worker's subscription for good.
      expirationPolicy: { ttl: '' },
      messageRetentionDuration: '604800s',
      labels,
    },
    { parent: component, dependsOn: [pushInvoker, identities.pushTokenCreator, topics.deadLetterPublisher] },
  );
  // The service agent acks the original when it dead-letters; it needs subscriber for that.
  const deadLetterAck = new gcp.pubsub.SubscriptionIAMMember(
    `${name}-push-dead-letter-subscriber`,
    { project, subscription: subscription.name, role: 'roles/pubsub.subscriber', member: steps.project.pubsubAgent },
    parent,
  );
  return { pushInvoker, subscription, deadLetterAck };
}
