// PushWorker: one task type of PushTask (bpmn/PushTask.bpmn), run by a function of your own.
//
// Data path: the engine's PushTask publishes to the task type's topic → a push subscription of our
// own delivers to the function (a 2nd gen function, i.e. a Cloud Run service) with an OIDC token →
// the function (built on @camunda-serverless/worker) replies through the engine's REST API
// (POST /engine-rest/message) with an ID token of its own service account.
//
// Why our own push subscription instead of the function's Eventarc trigger: the trigger's
// subscription cannot dead-letter. Ours retries with backoff (10 s to 600 s) and, after
// `maxDeliveryAttempts`, moves the message to a dead-letter topic whose subscription keeps it for
// replay; the function knows that number (MAX_DELIVERY_ATTEMPTS) and sends a `failed` reply on the
// last attempt, which only an HTTP registration sees (`functions.http(entryPoint, worker.http)`: the
// framework's CloudEvent conversion of a raw push body drops deliveryAttempt).
//
// The steps live in push/, one file each, in the order the constructor takes them: resolve-args
// (defaults and checks), engine-access (the function among the engine's callers), project (APIs),
// topics, identities, function (its source archive: source-archive.ts, vendor.ts), push,
// monitoring, outputs.

import * as pulumi from '@pulumi/pulumi';
import type { PushWorkerArgs } from './push/args';
import { withFunctionAccessCheck } from './push/engine-access';
import { declarePushFunction, readPushSource } from './push/function';
import { declarePushIdentities } from './push/identities';
import { declarePushMonitoring } from './push/monitoring';
import { pushWorkerOutputs, WorkerOutputsComponent } from './push/outputs';
import { declarePushProject } from './push/project';
import { declarePushPath } from './push/push';
import { checkedPushSettings, resolvePushWorkerArgs } from './push/resolve-args';
import { declarePushTopics } from './push/topics';

export { PUSH_DEFAULTS, type PushWorkerArgs } from './push/args';
export { PUSH_WORKER_PERMISSION, pushWorkerCaller, type PushWorkerIdentity } from './push/engine-access';
export { fitName, NAME_LIMITS, workerNames } from './push/names';
export { resolvePushWorkerArgs, type ResolvedPushWorkerArgs } from './push/resolve-args';

export const PUSH_WORKER_TYPE = 'camunda-serverless:index:PushWorker';

export class PushWorker extends WorkerOutputsComponent {
  /** The enabled APIs (for resources of a caller's own that need them first). */
  public readonly apis: readonly pulumi.Resource[];
  /**
   * What must exist before the first task is published (a message published to a topic without
   * subscription is lost): the subscription and its dead-letter grant, the engine's publish right,
   * the function and both invoker grants.
   */
  public readonly readyResources: readonly pulumi.Resource[];

  constructor(name: string, args: PushWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PUSH_WORKER_TYPE, name, {}, opts);
    const resolved = resolvePushWorkerArgs(name, args);
    // An engine that checks its callers must let the function reply.
    const settings = withFunctionAccessCheck(resolved, checkedPushSettings(resolved));
    const source = readPushSource(resolved);

    const project = declarePushProject(this, resolved);
    const topics = declarePushTopics(this, resolved, settings, project);
    const identities = declarePushIdentities(this, resolved, project);
    const fn = declarePushFunction(this, resolved, settings, source, project, identities);
    const push = declarePushPath(this, resolved, settings, { project, topics, identities, fn });
    const monitoring = declarePushMonitoring(this, resolved, { project, topics, fn, push });
    const outputs = pushWorkerOutputs(resolved, { topics, identities, fn, push, monitoring });

    this.apis = project.apis;
    this.readyResources = [
      push.subscription,
      push.deadLetterAck,
      topics.enginePublisher,
      identities.engineInvoker,
      push.pushInvoker,
      fn.fn,
    ];
    this.exposeWorkerOutputs(outputs);
    this.registerOutputs({ ...outputs });
  }
}
