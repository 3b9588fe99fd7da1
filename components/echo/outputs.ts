// Step 8 of EchoLoop: what the component exposes, all of it registered as its outputs.

import * as pulumi from '@pulumi/pulumi';
import type { EchoFunction } from './function';
import type { EchoIdentities } from './identities';
import type { EchoMonitoring } from './monitoring';
import type { EchoPush } from './push';
import type { ResolvedEchoLoopArgs } from './resolve-args';
import type { EchoTopics } from './topics';

export interface EchoOutputs {
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
  readonly loopName: string;
  readonly processInstanceId: pulumi.Output<string> | undefined;
}

export function echoOutputs(
  args: ResolvedEchoLoopArgs,
  steps: {
    topics: EchoTopics;
    identities: EchoIdentities;
    fn: EchoFunction;
    push: EchoPush;
    monitoring: EchoMonitoring;
    processInstanceId: pulumi.Output<string> | undefined;
  },
): EchoOutputs {
  const { topics, fn, monitoring } = steps;
  const dashboardId = monitoring.dashboard.id;
  return {
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
    loopName: args.loopName,
    processInstanceId: steps.processInstanceId,
  };
}
