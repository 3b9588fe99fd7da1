// EchoLoop: the self-triggering loop that proves the engine ↔ Pub/Sub ↔ function chain holds.
//
// It is a PushWorker (push-worker.ts) for task type `echo`, whose function (echo-function/) answers
// every task, plus the loop starter that starts the EchoLoop process through the engine's REST API
// and the engine access that both need. The worker brings the data path: the echo topic, our own
// push subscription with backoff and dead-lettering, the function with its own account, and the
// monitoring.
//
// The steps live in echo/, one file each, in the order the constructor takes them: resolve-args
// (defaults and checks), worker (the PushWorker, with the engine-access check of engine-access.ts),
// starter-identity (the APIs the starter needs, and its own account when it needs one), starter.

import * as pulumi from '@pulumi/pulumi';
import type { EchoLoopArgs } from './echo/args';
import type { PushWorker } from './push-worker';
import { resolveEchoLoopArgs } from './echo/resolve-args';
import { startEchoLoop } from './echo/starter';
import { declareEchoApis, declareStarterIdentity } from './echo/starter-identity';
import { declareEchoWorker } from './echo/worker';

export { ECHO_DEFAULTS, type EchoLoopArgs } from './echo/args';
export {
  checkedEchoSettings,
  type EchoSettingValues,
  resolveEchoLoopArgs,
  type ResolvedEchoLoopArgs,
} from './echo/resolve-args';
export {
  ECHO_FUNCTION_PERMISSION,
  ECHO_STARTER_PERMISSION,
  echoFunctionCaller,
  echoStarterCaller,
} from './echo/engine-access';
export { LoopStarter } from './echo/starter';
export { MetricDescriptorWait, PropagationDelay } from './push/waits';

export class EchoLoop extends pulumi.ComponentResource {
  /** Echo topic name (the engine publishes here). */
  public readonly topicName: pulumi.Output<string>;
  /** Echo topic id (`projects/<p>/topics/<t>`). */
  public readonly topicId: pulumi.Output<string>;
  /** Dead-letter topic name. */
  public readonly deadLetterTopicName: pulumi.Output<string>;
  /** Subscription that keeps dead-lettered messages for replay. */
  public readonly deadLetterSubscriptionName: pulumi.Output<string>;
  /** The push subscription that delivers to the function. */
  public readonly pushSubscriptionName: pulumi.Output<string>;
  /** Function name. */
  public readonly functionName: pulumi.Output<string>;
  /** Function URL (its Cloud Run service URL: the push endpoint's base and token audience). */
  public readonly functionUrl: pulumi.Output<string>;
  /** The function's service account (invokes the engine). */
  public readonly functionServiceAccountEmail: pulumi.Output<string>;
  /** Dashboard resource id. */
  public readonly dashboardId: pulumi.Output<string>;
  /** Cloud console link to the dashboard. */
  public readonly dashboardUrl: pulumi.Output<string>;
  /** Alert policy resource name. */
  public readonly alertPolicyName: pulumi.Output<string>;
  /** The loop's name (business key). */
  public readonly loopName: string;
  /** Process instance id of the running loop (undefined when startLoop is false). */
  public readonly processInstanceId: pulumi.Output<string> | undefined;
  /** The push worker of task type `echo` that the loop runs on. */
  public readonly worker: PushWorker;

  constructor(name: string, args: EchoLoopArgs, opts?: pulumi.ComponentResourceOptions) {
    super('camunda-serverless:index:EchoLoop', name, {}, opts);
    const resolved = resolveEchoLoopArgs(name, args);

    const worker = declareEchoWorker(this, resolved);
    const apis = declareEchoApis(this, resolved, worker);
    const starterIdentity = declareStarterIdentity(this, resolved, apis);
    const processInstanceId = startEchoLoop(this, resolved, { worker, starterIdentity });
    const outputs = {
      topicName: worker.topicName,
      topicId: worker.topicId,
      deadLetterTopicName: worker.deadLetterTopicName,
      deadLetterSubscriptionName: worker.deadLetterSubscriptionName,
      pushSubscriptionName: worker.pushSubscriptionName,
      functionName: worker.functionName,
      functionUrl: worker.functionUrl,
      functionServiceAccountEmail: worker.functionServiceAccountEmail,
      dashboardId: worker.dashboardId,
      dashboardUrl: worker.dashboardUrl,
      alertPolicyName: worker.alertPolicyName,
      loopName: resolved.loopName,
      processInstanceId,
    };

    this.worker = worker;
    this.topicName = outputs.topicName;
    this.topicId = outputs.topicId;
    this.deadLetterTopicName = outputs.deadLetterTopicName;
    this.deadLetterSubscriptionName = outputs.deadLetterSubscriptionName;
    this.pushSubscriptionName = outputs.pushSubscriptionName;
    this.functionName = outputs.functionName;
    this.functionUrl = outputs.functionUrl;
    this.functionServiceAccountEmail = outputs.functionServiceAccountEmail;
    this.dashboardId = outputs.dashboardId;
    this.dashboardUrl = outputs.dashboardUrl;
    this.alertPolicyName = outputs.alertPolicyName;
    this.loopName = outputs.loopName;
    this.processInstanceId = outputs.processInstanceId;
    this.registerOutputs({ ...outputs });
  }
}
