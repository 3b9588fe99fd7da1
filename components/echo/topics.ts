// Step 2 of EchoLoop: the echo topic the engine publishes to, and the dead-letter topic whose own
// subscription keeps what could not be delivered, for replay.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { EchoProject } from './project';
import type { EchoSettingValues, ResolvedEchoLoopArgs } from './resolve-args';

export interface EchoTopics {
  readonly topic: gcp.pubsub.Topic;
  readonly deadLetterTopic: gcp.pubsub.Topic;
  /** The service agent's publish right on the dead-letter topic. */
  readonly deadLetterPublisher: gcp.pubsub.TopicIAMMember;
  /** The subscription that keeps dead-lettered messages. */
  readonly deadLetterHold: gcp.pubsub.Subscription;
  /** The engine's publish right on the echo topic. */
  readonly enginePublisher: gcp.pubsub.TopicIAMMember;
}

export function declareEchoTopics(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  settings: pulumi.Output<Required<EchoSettingValues>>,
  { afterApis, pubsubAgent }: EchoProject,
): EchoTopics {
  const { name, prefix, project, labels } = args;
  const parent = { parent: component };
  const topic = new gcp.pubsub.Topic(`${name}-topic`, { project, name: prefix, labels }, afterApis);
  const deadLetterTopic = new gcp.pubsub.Topic(
    `${name}-dead-letter`,
    { project, name: `${prefix}-dead-letter`, labels },
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
      name: `${prefix}-dead-letter-hold`,
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
