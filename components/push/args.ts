// The arguments of PushWorker and their defaults. Every argument is documented here; the checks are in
// resolve-args.ts.

import type * as pulumi from '@pulumi/pulumi';
import type { EngineEndpoint } from '../engine/endpoint';

export interface PushWorkerArgs {
  /** The engine whose PushTask publishes the tasks and takes the replies; a {@link CamundaServerless} as is. */
  readonly engine: EngineEndpoint;
  /**
   * The task type this worker runs, `^[a-z][a-z0-9-]{0,62}$` (such as `price-order`): the PushTask
   * input `taskType`, part of the physical names and the filter of the worker's log metrics.
   */
  readonly taskType: string;
  /** Directory with the function's source: a package.json (with a `gcp-build` script when it compiles), src/. */
  readonly source: string;
  /** The function's entry point: the name its code registers with `functions.http('<entryPoint>', worker.http)`. */
  readonly entryPoint: string;
  /** GCP project of the topics and the function. Default: the engine's project. */
  readonly project?: pulumi.Input<string>;
  /** Region of the function and its source bucket. Default: the engine's region. */
  readonly region?: pulumi.Input<string>;
  /**
   * Prefix of physical names, 4 to 20 lowercase letters, digits and hyphens: the topic is
   * `<namePrefix>-<taskType>`, the other names start with it. Default: derived from the component's name.
   */
  readonly namePrefix?: string;
  /**
   * The topic's name and the start of every other physical name, instead of `<namePrefix>-<taskType>`
   * (lowercase letters, digits and hyphens, starting with a letter, at most 100). Names that would
   * exceed a GCP limit (service account ids: 30, function names: 49) are shortened with a hash.
   */
  readonly baseName?: string;
  /** Deliveries before a message is dead-lettered (5 to 100); the function reads it as MAX_DELIVERY_ATTEMPTS. Default 10. */
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
  /** Timeout of the function's call to the engine in ms (ENGINE_TIMEOUT_MS); below the function timeout. Default 10000. */
  readonly engineTimeoutMs?: pulumi.Input<number>;
  /**
   * Extra environment variables of the function (ENGINE_AUDIENCE, say, or the worker's own settings).
   * Names the component sets (ENGINE_URL, ENGINE_AUTH, ENGINE_TIMEOUT_MS, ENGINE_BASIC_AUTH_*,
   * MAX_DELIVERY_ATTEMPTS), Cloud Run's (PORT, K_*) and secret-like names (PASSWORD, TOKEN, ...: use
   * Secret Manager) are refused.
   */
  readonly environment?: Record<string, pulumi.Input<string>>;
  /**
   * Service account that builds the function (`projects/<p>/serviceAccounts/<email>`). Default: a
   * dedicated one with roles/run.builder, because new projects often leave the default build account
   * without permissions.
   */
  readonly buildServiceAccount?: pulumi.Input<string>;
  /**
   * E-mail of an existing service account the function runs as. Default: a dedicated one (what
   * `pushWorkerCaller` names before the worker exists, so the engine can list it among its callers).
   */
  readonly functionServiceAccount?: pulumi.Input<string>;
  /** Alert when no task completed for this many minutes (2 to 1410). Default 15. */
  readonly alertAfterMinutes?: number;
  /** Notification channels (ids) for the alert. Default: none (the alert shows in the console). */
  readonly notificationChannels?: pulumi.Input<pulumi.Input<string>[]>;
  /** How long the dead-letter subscription keeps messages for replay. Default `604800s` (7 days). */
  readonly deadLetterRetention?: pulumi.Input<string>;
  /** Enable the APIs this component needs. Default true. */
  readonly enableApis?: boolean;
  /** Labels for every resource that takes labels. */
  readonly labels?: Record<string, string>;
  /**
   * Words that name the worker in descriptions and titles (the dashboard's, the alert's). Default
   * `push worker <taskType>`.
   */
  readonly title?: string;
}

export const PUSH_DEFAULTS = {
  maxDeliveryAttempts: 10,
  functionTimeoutSeconds: 60,
  functionMemory: '256M',
  functionMaxInstances: 10,
  functionMinInstances: 0,
  functionRuntime: 'nodejs22',
  engineTimeoutMs: 10_000,
  alertAfterMinutes: 15,
  deadLetterRetention: '604800s',
} as const;
