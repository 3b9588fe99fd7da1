// What a client of the engine (such as EchoLoop) needs to know about it. CamundaServerless is one;
// an engine deployed elsewhere can be described by hand.

import type * as pulumi from '@pulumi/pulumi';
import type { ResolvedEngineCaller } from './callers';

/** Basic-auth credentials of an engine whose REST API requires Camunda authentication. */
export interface EngineBasicAuth {
  /** The Camunda admin user. */
  readonly user: pulumi.Input<string>;
  /** Secret Manager secret id (short name, same project) holding the password. */
  readonly passwordSecretId: pulumi.Input<string>;
  /** The secret version the engine reads. */
  readonly passwordSecretVersion: pulumi.Input<string>;
  /** The password itself, as a Pulumi secret (the loop starter needs it; never export it). */
  readonly password: pulumi.Input<string>;
}

/** What a client of the engine (such as {@link EchoLoop}) needs to know. CamundaServerless is one. */
export interface EngineEndpoint {
  /** Base URL of the engine's Cloud Run service. */
  readonly url: pulumi.Input<string>;
  /** Cloud Run service name of the engine (for run.invoker grants). */
  readonly serviceName: pulumi.Input<string>;
  /** Region of the engine's Cloud Run service. */
  readonly location: pulumi.Input<string>;
  /** Project the engine runs in. */
  readonly project: pulumi.Input<string>;
  /** Service account the engine runs as (gets pubsub.publisher on topics it publishes to). */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** Set when the engine's REST API requires Camunda basic authentication. */
  readonly basicAuth?: EngineBasicAuth | undefined;
  /**
   * Set when the engine lets only listed Google identities call its REST API (REST_AUTH=google):
   * who may call which paths. EchoLoop checks that its function is among them.
   */
  readonly restCallers?: pulumi.Input<readonly ResolvedEngineCaller[]> | undefined;
}
