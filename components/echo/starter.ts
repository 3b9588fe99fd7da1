// Step 8 of EchoLoop: the loop starter, a dynamic resource that starts the loop through the engine's
// REST API once everything the first iteration needs exists, and cancels it on destroy.

import * as pulumi from '@pulumi/pulumi';
import { loopStarterProvider, type LoopStarterInputs } from '../loop-starter';
import type { PushWorker } from '../push-worker';
import type { ResolvedEchoLoopArgs } from './resolve-args';
import type { StarterIdentity } from './starter-identity';

type LoopStarterResourceInputs = { [K in keyof LoopStarterInputs]: pulumi.Input<LoopStarterInputs[K]> };

/** Starts the loop on create (idempotently) and cancels it on delete, through the engine's REST API. */
export class LoopStarter extends pulumi.dynamic.Resource {
  /** Process instance id of the running loop. */
  // `declare`: a class field would overwrite the output the base constructor sets.
  declare public readonly processInstanceId: pulumi.Output<string>;

  constructor(name: string, args: LoopStarterResourceInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      loopStarterProvider(),
      name,
      { processInstanceId: undefined, ...args },
      // Same business key for old and new loop: the old one must be cancelled before the new starts.
      pulumi.mergeOptions(opts, {
        deleteBeforeReplace: true,
        ...(args.basicAuthPassword !== undefined ? { additionalSecretOutputs: ['basicAuthPassword'] } : {}),
      }),
      'camunda',
      'LoopStarter',
    );
  }
}

/** The account the starter impersonates: the one given, its own, or none (the deployer's credentials). */
function impersonated(args: ResolvedEchoLoopArgs, own: StarterIdentity | undefined): pulumi.Input<string> | undefined {
  return args.starterServiceAccount ?? own?.account.email;
}

/** The running loop's process instance id, or undefined when `startLoop` is false. */
export function startEchoLoop(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  steps: { worker: PushWorker; starterIdentity: StarterIdentity | undefined },
): pulumi.Output<string> | undefined {
  if (!args.startLoop) return undefined;
  const { engine } = args;
  const { worker, starterIdentity } = steps;
  const impersonate = impersonated(args, starterIdentity);
  const starter = new LoopStarter(
    `${args.name}-loop`,
    {
      engineUrl: engine.url,
      loopName: args.loopName,
      project: args.project,
      topic: worker.topicName,
      processDefinitionKey: args.processDefinitionKey,
      auth: 'id-token',
      ...(engine.basicAuth
        ? { basicAuthUser: engine.basicAuth.user, basicAuthPassword: pulumi.secret(engine.basicAuth.password) }
        : {}),
      ...(args.restartToken !== undefined ? { restartToken: args.restartToken } : {}),
      ...(impersonate !== undefined ? { impersonateServiceAccount: impersonate } : {}),
    },
    // Everything the first iteration needs exists before the loop starts (a message published
    // to a topic without subscription is lost), its own account's grants have propagated (a 403 is
    // not retried), and on destroy the loop is cancelled first.
    {
      parent: component,
      dependsOn: [...worker.readyResources, ...(starterIdentity ? [starterIdentity.propagated] : [])],
    },
  );
  return starter.processInstanceId;
}
