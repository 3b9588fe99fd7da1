// The arguments of EchoLoop and their defaults. Every argument is documented here; the checks are in
// resolve-args.ts.

import type * as pulumi from '@pulumi/pulumi';
import type { EngineEndpoint } from '../engine/endpoint';
import { PUSH_DEFAULTS } from '../push/args';

export interface EchoLoopArgs {
  /** The engine the loop runs in; a {@link CamundaServerless} can be passed as is. */
  readonly engine: EngineEndpoint;
  /** GCP project of the topics and the function. Default: the engine's project. */
  readonly project?: pulumi.Input<string>;
  /** Region of the function and its source bucket. Default: the engine's region. */
  readonly region?: pulumi.Input<string>;
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
  /** Message names the function forwards to the engine. Default `['echo']`. */
  readonly knownMessageNames?: string[];
  /** Deliveries before a message is dead-lettered (5 to 100). Default 10. */
  readonly maxDeliveryAttempts?: pulumi.Input<number>;
  /** Function timeout in seconds (1 to 590; the ack deadline is 10 s more, at most 600). Default 60. */
  readonly functionTimeoutSeconds?: pulumi.Input<number>;
  /** Function memory, such as `256M` or `512Mi`. Default `256M`. */
  readonly functionMemory?: pulumi.Input<string>;
  /** Most function instances. Default 10. */
  readonly functionMaxInstances?: pulumi.Input<number>;
  /** Fewest function instances. Default 0. */
  readonly functionMinInstances?: pulumi.Input<number>;
  /** Node.js runtime of the function. Default `nodejs22`. */
  readonly functionRuntime?: pulumi.Input<string>;
  /** Timeout of the function's call to the engine in ms; below the function timeout. Default 10000. */
  readonly engineTimeoutMs?: pulumi.Input<number>;
  /** Directory with the function's source (package.json, src/). Default: this repository's echo-function/. */
  readonly functionSourceDir?: string;
  /**
   * Service account that builds the function (`projects/<p>/serviceAccounts/<email>`). Default: a
   * dedicated one with roles/cloudbuild.builds.builder, because new projects often leave the default
   * build account without permissions.
   */
  readonly buildServiceAccount?: pulumi.Input<string>;
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
  /** Alert when no round trip succeeded for this many minutes (2 to 1410). Default 15. */
  readonly alertAfterMinutes?: number;
  /** Notification channels (ids) for the alert. Default: none (the alert shows in the console). */
  readonly notificationChannels?: pulumi.Input<pulumi.Input<string>[]>;
  /** How long the dead-letter subscription keeps messages for replay. Default `604800s` (7 days). */
  readonly deadLetterRetention?: pulumi.Input<string>;
  /** Enable the APIs this component needs. Default true. */
  readonly enableApis?: boolean;
  /** Labels for every resource that takes labels. */
  readonly labels?: Record<string, string>;
}

export const ECHO_DEFAULTS = {
  ...PUSH_DEFAULTS,
  loopName: 'echo',
  processDefinitionKey: 'EchoLoop',
  knownMessageNames: ['echo'],
  /** The echo function's task type (PushTask's `taskType`). */
  taskType: 'echo',
  entryPoint: 'echo',
} as const;
