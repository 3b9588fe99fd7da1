// Step 2 of PushWorker: the task type's topic the engine publishes to, and the dead-letter topic whose own
// subscription keeps what could not be delivered, for replay.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { PushProject } from './project';
import type { PushSettingValues, ResolvedPushWorkerArgs } from './resolve-args';

export interface PushTopics {
  readonly topic: gcp.pubsub.Topic;
  readonly deadLetterTopic: gcp.pubsub.Topic;
  /** The service agent's publish right on the dead-letter topic. */
  readonly deadLetterPublisher: gcp.pubsub.TopicIAMMember;
  /** The subscription that keeps dead-lettered messages. */
  readonly deadLetterHold: gcp.pubsub.Subscription;
  /** The engine's publish right on the topic. */
  readonly enginePublisher: gcp.pubsub.TopicIAMMember;
}

export function declarePushTopics(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  settings: pulumi.Output<Required<PushSettingValues>>,
  { afterApis, pubsubAgent }: PushProject,
): PushTopics {
  const { name, names, project, labels } = args;
  const parent = { parent: component };
  const topic = new gcp.pubsub.Topic(`${name}-topic`, { project, name: names.topic, labels }, afterApis);
  const deadLetterTopic = new gcp.pubsub.Topic(
    `${name}-dead-letter`,
    { project, name: names.deadLetterTopic, labels },
    afterApis,
  );
  // Without publish rights for the Pub/Sub service agent, dead-lettering silently does nothing.
  const deadLetterPublisher = new gcp.pubsub.TopicIAMMember(
    `${name}-dead-letter-publisher`,
    { project, topic: deadLetterTopic.name, role: 'roles/pubsub.publisher', member: pubsubAgent },
    parent,
  );
  const deadLetterHold = new gcp.pubsub.Subscription(
    `${name}-dead-letter-hold`,
    {
      project,
      name: names.deadLetterHold,
      topic: deadLetterTopic.id,
      messageRetentionDuration: settings.deadLetterRetention,
      // Acked messages stay too, so a replay by seek still finds them.
      retainAckedMessages: true,
      expirationPolicy: { ttl: '' },
      ackDeadlineSeconds: 60,
      labels,
    },
    parent,
  );
  const enginePublisher = new gcp.pubsub.TopicIAMMember(
    `${name}-engine-publisher`,
    {
      project,
      topic: topic.name,
      role: 'roles/pubsub.publisher',
      member: pulumi.interpolate`serviceAccount:${args.engine.serviceAccountEmail}`,
    },
    parent,
  );
  return { topic, deadLetterTopic, deadLetterPublisher, deadLetterHold, enginePublisher };
}
