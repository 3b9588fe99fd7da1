// CamundaServerless: the Camunda 7 engine on Cloud Run with Cloud SQL PostgreSQL, private by default.
//
// What it creates, and why each piece is there:
// - the APIs it needs (left enabled on destroy: other stacks in the project may use them);
// - an Artifact Registry repository and the engine image built from docker/camunda for linux/amd64,
//   unless a ready image (by digest) is given;
// - a Cloud Run v2 service on the image *digest* (a tag would not roll out a new revision), with
//   always-on CPU (the job executor works between requests), a startup probe on /ready, and the
//   Cloud SQL connection;
// - Cloud SQL PostgreSQL (edition ENTERPRISE, so shared-core tiers such as db-f1-micro work), the
//   database, and a generated password kept in Secret Manager and handed to the service as a secret
//   reference, never as a literal;
// - a service account with cloudsql.client, access to its own secrets, and pubsub.publisher on the
//   topics it publishes to, nothing else;
// - no public invoker unless `public: true`, and then Camunda's basic authentication is on; a private
//   engine checks each REST caller's Google ID token and lets `callers` and `operators` in, each to
//   its own paths (REST_AUTH=google, REST_CALLERS);
// - a Cloud Scheduler job that calls /ready with an OIDC token, so due retries and timers run after
//   the service scaled to zero.
//
// The steps live in engine/, one file each, in the order the constructor takes them: resolve-args
// (defaults and checks), apis, identity, database, basic-auth, image, service, wake-up, outputs.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { declareEngineApis } from './engine/apis';
import type { CamundaServerlessArgs } from './engine/args';
import { declareEngineAdmin } from './engine/basic-auth';
import { type ResolvedEngineCaller, resolvedCallers } from './engine/callers';
import { declareEngineDatabase } from './engine/database';
import type { EngineBasicAuth, EngineEndpoint } from './engine/endpoint';
import { declareEngineIdentity } from './engine/identity';
import { declareEngineImage } from './engine/image';
import { engineOutputs, registeredEngineOutputs } from './engine/outputs';
import { checkedEngineSettings, OPEN_REST_WARNING, resolveCamundaServerlessArgs } from './engine/resolve-args';
import { declareEngineService } from './engine/service';
import { declareEngineWakeUp } from './engine/wake-up';

export {
  CAMUNDA_DEFAULTS,
  type CamundaDatabaseArgs,
  type CamundaEngineSettings,
  type CamundaImageBuildArgs,
  type CamundaServerlessArgs,
} from './engine/args';
export type { EngineCaller, ResolvedEngineCaller } from './engine/callers';
export type { EngineBasicAuth, EngineEndpoint } from './engine/endpoint';
export {
  checkedEngineSettings,
  type CheckedEngineSettings,
  type ProviderConfig,
  resolveCamundaServerlessArgs,
  type ResolvedCamundaServerlessArgs,
} from './engine/resolve-args';

export class CamundaServerless extends pulumi.ComponentResource implements EngineEndpoint {
  /** Base URL of the engine (`https://…run.app`). */
  public readonly url: pulumi.Output<string>;
  /** Message correlation endpoint: `url` + `/engine-rest/message`. */
  public readonly messageUrl: pulumi.Output<string>;
  /** The engine's service account. */
  public readonly serviceAccountEmail: pulumi.Output<string>;
  /** Cloud SQL connection name `project:region:instance`. */
  public readonly databaseConnectionName: pulumi.Output<string>;
  /** The image the service runs, by digest. */
  public readonly imageDigest: pulumi.Output<string>;
  /** Cloud Run service name. */
  public readonly serviceName: pulumi.Output<string>;
  /** Region of the service. */
  public readonly location: pulumi.Output<string>;
  /** Project of the service. */
  public readonly project: pulumi.Output<string>;
  /** Secret Manager secret (resource id) holding the database password. */
  public readonly databasePasswordSecret: pulumi.Output<string>;
  /** Basic-auth credentials when Camunda authentication is on, else undefined. */
  public readonly basicAuth: EngineBasicAuth | undefined;
  /** Who may call which REST paths (restAuthentication `google`), else undefined. */
  public readonly restCallers: pulumi.Output<ResolvedEngineCaller[]> | undefined;
  /** The Cloud Run service. */
  public readonly service: gcp.cloudrunv2.Service;
  /** The Cloud SQL instance. */
  public readonly databaseInstance: gcp.sql.DatabaseInstance;
  /** The engine's service account. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  /** The wake-up job, unless switched off. */
  public readonly wakeJob: gcp.cloudscheduler.Job | undefined;

  constructor(name: string, args: CamundaServerlessArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super('camunda-serverless:index:CamundaServerless', name, {}, opts);
    const resolved = resolveCamundaServerlessArgs(name, args, {
      project: gcp.config.project,
      region: gcp.config.region,
    });
    const settings = checkedEngineSettings(resolved);
    if (!resolved.public && resolved.restAuthentication === 'none') {
      void pulumi.log.warn(`CamundaServerless '${name}': ${OPEN_REST_WARNING}`, this);
    }

    const apis = declareEngineApis(this, resolved);
    const identity = declareEngineIdentity(this, resolved, apis);
    const db = declareEngineDatabase(this, resolved, settings, apis, identity);
    const admin = declareEngineAdmin(this, resolved, apis, identity);
    const image = declareEngineImage(this, resolved, settings, apis);
    const callers =
      resolved.restAuthentication === 'google' ? resolvedCallers(resolved.callers, resolved.operators) : undefined;
    const service = declareEngineService(this, resolved, settings, { apis, identity, db, image, admin, callers });
    const wakeUp = declareEngineWakeUp(this, resolved, apis, service);
    const outputs = engineOutputs({ identity, db, image, service, admin });

    this.service = service.service;
    this.databaseInstance = db.instance;
    this.serviceAccount = identity.serviceAccount;
    this.wakeJob = wakeUp.job;
    this.url = outputs.url;
    this.messageUrl = outputs.messageUrl;
    this.serviceAccountEmail = outputs.serviceAccountEmail;
    this.databaseConnectionName = outputs.databaseConnectionName;
    this.imageDigest = outputs.imageDigest;
    this.serviceName = outputs.serviceName;
    this.location = outputs.location;
    this.project = outputs.project;
    this.databasePasswordSecret = outputs.databasePasswordSecret;
    this.basicAuth = outputs.basicAuth;
    this.restCallers = callers;
    this.registerOutputs(registeredEngineOutputs(outputs));
  }
}
