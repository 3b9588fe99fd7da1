// EchoLoop: the self-triggering loop that proves the engine ↔ Pub/Sub ↔ function chain holds.
//
// Data path: the engine publishes to the echo topic → a push subscription of our own delivers to
// the echo function (a 2nd gen function, i.e. a Cloud Run service) with an OIDC token → the function
// correlates the reply through the engine's REST API with an ID token of its own service account.
//
// Why our own push subscription instead of the function's Eventarc trigger: the trigger's
// subscription cannot dead-letter. Ours retries with backoff (10 s to 600 s) and, after
// `maxDeliveryAttempts`, moves the message to a dead-letter topic whose subscription keeps it for
// replay. The push endpoint ends in /projects/<p>/topics/<t> because the Functions Framework takes
// the CloudEvent source from that path when it converts a raw push body.
//
// The steps live in echo/, one file each, in the order the constructor takes them: resolve-args
// (defaults and checks), project (APIs), topics, identities, function, push, monitoring,
// starter-identity (the starter's own account, when it needs one), starter, outputs.

import * as pulumi from '@pulumi/pulumi';
import type { EchoLoopArgs } from './echo/args';
import { withEngineAccessCheck } from './echo/engine-access';
import { declareEchoFunction, readEchoFunctionSource } from './echo/function';
import { declareEchoIdentities } from './echo/identities';
import { declareEchoMonitoring } from './echo/monitoring';
import { echoOutputs } from './echo/outputs';
import { declareEchoProject } from './echo/project';
import { declareEchoPush } from './echo/push';
import { checkedEchoSettings, resolveEchoLoopArgs } from './echo/resolve-args';
import { startEchoLoop } from './echo/starter';
import { declareStarterIdentity } from './echo/starter-identity';
import { declareEchoTopics } from './echo/topics';

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
export { MetricDescriptorWait, PropagationDelay } from './echo/waits';

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

  constructor(name: string, args: EchoLoopArgs, opts?: pulumi.ComponentResourceOptions) {
    super('camunda-serverless:index:EchoLoop', name, {}, opts);
    const resolved = resolveEchoLoopArgs(name, args);
    // An engine that checks its callers must let the function and the starter's account in.
    const settings = withEngineAccessCheck(resolved, checkedEchoSettings(resolved));
    const source = readEchoFunctionSource(resolved);

    const project = declareEchoProject(this, resolved);
    const topics = declareEchoTopics(this, resolved, settings, project);
    const identities = declareEchoIdentities(this, resolved, project);
    const fn = declareEchoFunction(this, resolved, settings, source, project, identities);
    const push = declareEchoPush(this, resolved, settings, { project, topics, identities, fn });
    const monitoring = declareEchoMonitoring(this, resolved, { project, topics, fn, push });
    const starterIdentity = declareStarterIdentity(this, resolved, project);
    const processInstanceId = startEchoLoop(this, resolved, { topics, identities, fn, push, starterIdentity });
    const outputs = echoOutputs(resolved, { topics, identities, fn, push, monitoring, processInstanceId });

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
