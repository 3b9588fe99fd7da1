// The arguments of EchoLoop and their defaults: its own are documented here, those it hands its push
// worker as they are on PushWorkerArgs; the checks are in resolve-args.ts.

import type * as pulumi from '@pulumi/pulumi';
import type { EngineEndpoint } from '../engine/endpoint';
import { PUSH_DEFAULTS, type PushWorkerArgs } from '../push/args';

/** The arguments EchoLoop hands its push worker as they are (documented on PushWorkerArgs). */
type WorkerArgs = Pick<
  PushWorkerArgs,
  | 'project'
  | 'region'
  | 'maxDeliveryAttempts'
  | 'functionTimeoutSeconds'
  | 'functionMemory'
  | 'functionMaxInstances'
  | 'functionMinInstances'
  | 'functionRuntime'
  | 'engineTimeoutMs'
  | 'buildServiceAccount'
  | 'alertAfterMinutes'
  | 'notificationChannels'
  | 'deadLetterRetention'
  | 'enableApis'
  | 'labels'
>;

export interface EchoLoopArgs extends WorkerArgs {
  /** The engine the loop runs in; a {@link CamundaServerless} can be passed as is. */
  readonly engine: EngineEndpoint;
  /**
   * Prefix of physical names (topic, function, accounts, metrics), 4 to 20 lowercase letters, digits
   * and hyphens (service account ids need at least 6 characters). Default: derived from the
   * component's name.
   */
  readonly namePrefix?: string;
  /** The loop's name: the EchoLoop instance's business key. Default `echo`. */
  readonly loopName?: string;
  /** Key of the loop's process definition. Default `EchoLoop`. */
  readonly processDefinitionKey?: string;
  /** Directory with the function's source (package.json, src/). Default: this repository's echo-function/. */
  readonly functionSourceDir?: string;
  /**
   * E-mail of an existing service account the function runs as. Default: a dedicated one,
   * `<namePrefix>-fn@<project>.iam.gserviceaccount.com` (what `echoFunctionCaller` names before the
   * loop exists, so the engine can list it among its callers).
   */
  readonly functionServiceAccount?: pulumi.Input<string>;
  /**
   * E-mail of a service account the loop starter impersonates to call the engine (its ID token then
   * has the engine URL as audience, whatever the deployer's credentials). With an engine that checks
   * its callers, it must be one of them (permission `*`). Default, for such an engine: an account of
   * the loop's own, `<namePrefix>-starter@<project>.iam.gserviceaccount.com` (what `echoStarterCaller`
   * names, for the engine's operators), which may invoke the engine and whose tokens the deployer may
   * mint; for any other engine, the deployer's own credentials.
   */
  readonly starterServiceAccount?: pulumi.Input<string>;
  /** Start the loop through the engine's REST API (and cancel it on destroy). Default true. */
  readonly startLoop?: boolean;
  /** Change to cancel the running loop and start a fresh one on the next `pulumi up`. */
  readonly restartToken?: pulumi.Input<string>;
}

export const ECHO_DEFAULTS = {
  ...PUSH_DEFAULTS,
  loopName: 'echo',
  processDefinitionKey: 'EchoLoop',
  /** The echo function's task type (PushTask's `taskType`). */
  taskType: 'echo',
  entryPoint: 'echo',
} as const;
