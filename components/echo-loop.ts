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
import { WorkerOutputsComponent, workerOutputsOf } from './push/outputs';
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

/** The echo loop; its topic, function, dashboard, … outputs are its worker's (see WorkerOutputsComponent). */
export class EchoLoop extends WorkerOutputsComponent {
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
    const outputs = { ...workerOutputsOf(worker), loopName: resolved.loopName, processInstanceId };

    this.worker = worker;
    this.exposeWorkerOutputs(outputs);
    this.loopName = outputs.loopName;
    this.processInstanceId = outputs.processInstanceId;
    this.registerOutputs({ ...outputs });
  }
}
