// Step 7 of PushWorker: what the component exposes, all of it registered as its outputs.

import * as pulumi from '@pulumi/pulumi';
import type { PushFunction } from './function';
import type { PushIdentities } from './identities';
import type { PushMonitoring } from './monitoring';
import type { PushPath } from './push';
import type { ResolvedPushWorkerArgs } from './resolve-args';
import type { PushTopics } from './topics';

/**
 * A component that exposes a push worker's outputs: PushWorker itself, and EchoLoop through its
 * worker. The outputs are documented here once.
 */
export abstract class WorkerOutputsComponent extends pulumi.ComponentResource {
  /** The task type the worker runs. */
  declare public readonly taskType: string;
  /** Topic name (PushTask's `topic` input: the engine publishes here). */
  declare public readonly topicName: pulumi.Output<string>;
  /** Topic id (`projects/<p>/topics/<t>`). */
  declare public readonly topicId: pulumi.Output<string>;
  /** Dead-letter topic name. */
  declare public readonly deadLetterTopicName: pulumi.Output<string>;
  /** Subscription that keeps dead-lettered messages for replay. */
  declare public readonly deadLetterSubscriptionName: pulumi.Output<string>;
  /** The push subscription that delivers to the function. */
  declare public readonly pushSubscriptionName: pulumi.Output<string>;
  /** Function name. */
  declare public readonly functionName: pulumi.Output<string>;
  /** Function URL (its Cloud Run service URL: the push endpoint's base and token audience). */
  declare public readonly functionUrl: pulumi.Output<string>;
  /** The function's service account (replies to the engine). */
  declare public readonly functionServiceAccountEmail: pulumi.Output<string>;
  /** Dashboard resource id. */
  declare public readonly dashboardId: pulumi.Output<string>;
  /** Cloud console link to the dashboard. */
  declare public readonly dashboardUrl: pulumi.Output<string>;
  /** Alert policy resource name. */
  declare public readonly alertPolicyName: pulumi.Output<string>;

  /** Sets the outputs above (the fields are declared only: a class field would be reset after this). */
  protected exposeWorkerOutputs(outputs: PushWorkerOutputs): void {
    Object.assign(this, outputs);
  }
}

const OUTPUT_KEYS = [
  'taskType',
  'topicName',
  'topicId',
  'deadLetterTopicName',
  'deadLetterSubscriptionName',
  'pushSubscriptionName',
  'functionName',
  'functionUrl',
  'functionServiceAccountEmail',
  'dashboardId',
  'dashboardUrl',
  'alertPolicyName',
] as const;

export type PushWorkerOutputs = Pick<WorkerOutputsComponent, (typeof OUTPUT_KEYS)[number]>;

/** The outputs of a component that exposes them (EchoLoop passes its worker). */
export function workerOutputsOf(component: PushWorkerOutputs): PushWorkerOutputs {
  return Object.fromEntries(OUTPUT_KEYS.map((key) => [key, component[key]])) as unknown as PushWorkerOutputs;
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
