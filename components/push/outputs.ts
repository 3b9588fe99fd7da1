// Step 7 of PushWorker: what the component exposes, all of it registered as its outputs.

import * as pulumi from '@pulumi/pulumi';
import type { PushFunction } from './function';
import type { PushIdentities } from './identities';
import type { PushMonitoring } from './monitoring';
import type { PushPath } from './push';
import type { ResolvedPushWorkerArgs } from './resolve-args';
import type { PushTopics } from './topics';

export interface PushWorkerOutputs {
  readonly taskType: string;
  readonly topicName: pulumi.Output<string>;
  readonly topicId: pulumi.Output<string>;
  readonly deadLetterTopicName: pulumi.Output<string>;
  readonly deadLetterSubscriptionName: pulumi.Output<string>;
  readonly pushSubscriptionName: pulumi.Output<string>;
  readonly functionName: pulumi.Output<string>;
  readonly functionUrl: pulumi.Output<string>;
  readonly functionServiceAccountEmail: pulumi.Output<string>;
  readonly dashboardId: pulumi.Output<string>;
  readonly dashboardUrl: pulumi.Output<string>;
  readonly alertPolicyName: pulumi.Output<string>;
}

export function pushWorkerOutputs(
  args: ResolvedPushWorkerArgs,
  steps: {
    topics: PushTopics;
    identities: PushIdentities;
    fn: PushFunction;
    push: PushPath;
    monitoring: PushMonitoring;
  },
): PushWorkerOutputs {
  const { topics, fn, monitoring } = steps;
  const dashboardId = monitoring.dashboard.id;
  return {
    taskType: args.taskType,
    topicName: topics.topic.name,
    topicId: topics.topic.id,
    deadLetterTopicName: topics.deadLetterTopic.name,
    deadLetterSubscriptionName: topics.deadLetterHold.name,
    pushSubscriptionName: steps.push.subscription.name,
    functionName: fn.fn.name,
    functionUrl: fn.url,
    functionServiceAccountEmail: steps.identities.functionEmail,
    dashboardId,
    dashboardUrl: pulumi.interpolate`https://console.cloud.google.com/monitoring/dashboards/custom/${dashboardId.apply((id) => id.split('/').pop() ?? id)}?project=${args.project}`,
    alertPolicyName: monitoring.alert.name,
  };
}
