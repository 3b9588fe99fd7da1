// Step 4 of PushWorker: the function (Cloud Functions 2nd gen, i.e. a Cloud Run service), built from
// a source archive named after its content, so every source change redeploys it. Its environment is
// the worker library's (contract §4): where the engine is, how to authenticate, and when a delivery
// is the last.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { type FunctionSource, functionSource } from '../source-archive';
import type { PushIdentities } from './identities';
import type { PushProject } from './project';
import type { PushSettingValues, ResolvedPushWorkerArgs } from './resolve-args';

export interface PushFunction {
  readonly fn: gcp.cloudfunctionsv2.Function;
  /** The function's URL (its Cloud Run service URL: the push endpoint's base and token audience). */
  readonly url: pulumi.Output<string>;
  /** The Cloud Run service behind the function (for run.invoker and log filters). */
  readonly serviceName: pulumi.Output<string>;
}

/** Reads the function's source (before any resource is declared: a missing source fails first). */
export function readPushSource(args: ResolvedPushWorkerArgs): FunctionSource {
  return functionSource(args.source, args.names.sourceObjectPrefix);
}

/** The function's environment (the user's first); its basic-auth password comes as a secret reference. */
export function functionEnvironment(
  args: ResolvedPushWorkerArgs,
  settings: pulumi.Output<Required<PushSettingValues>>,
): Record<string, pulumi.Input<string>> {
  const { engine } = args;
  const environment: Record<string, pulumi.Input<string>> = {
    ...args.environment,
    ENGINE_URL: engine.url,
    ENGINE_AUTH: 'id-token',
    ENGINE_TIMEOUT_MS: settings.engineTimeoutMs.apply(String),
    // The worker sends a `failed` reply on the subscription's last attempt, not before.
    MAX_DELIVERY_ATTEMPTS: settings.maxDeliveryAttempts.apply(String),
  };
  if (engine.basicAuth) environment.ENGINE_BASIC_AUTH_USER = engine.basicAuth.user;
  return environment;
}

function uploadSource(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  source: FunctionSource,
  { afterApis }: PushProject,
) {
  const bucket = new gcp.storage.Bucket(
    `${args.name}-source`,
    {
      project: args.project,
      location: args.region.apply((r) => r.toUpperCase()),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: true,
      labels: args.labels,
    },
    afterApis,
  );
  const object = new gcp.storage.BucketObject(
    `${args.name}-source-object`,
    // The name follows the content: a changed source is a new object, so the function redeploys.
    { bucket: bucket.name, name: source.objectName, source: source.archive, contentType: 'application/zip' },
    { parent: component },
  );
  return { bucket, object };
}

export function declarePushFunction(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  settings: pulumi.Output<Required<PushSettingValues>>,
  source: FunctionSource,
  project: PushProject,
  identities: PushIdentities,
): PushFunction {
  const { engine } = args;
  const { bucket, object } = uploadSource(component, args, source, project);
  const fn = new gcp.cloudfunctionsv2.Function(
    `${args.name}-function`,
    {
      project: args.project,
      location: args.region,
      name: args.names.functionName,
      description: `Function of ${args.title}: runs task type ${args.taskType} and replies to the engine (camunda-serverless)`,
      labels: args.labels,
      buildConfig: {
        runtime: args.functionRuntime,
        entryPoint: args.entryPoint,
        serviceAccount: identities.buildAccount,
        source: { storageSource: { bucket: bucket.name, object: object.name } },
      },
      serviceConfig: {
        serviceAccountEmail: identities.functionEmail,
        availableMemory: settings.functionMemory,
        timeoutSeconds: settings.functionTimeoutSeconds,
        maxInstanceCount: settings.functionMaxInstances,
        minInstanceCount: settings.functionMinInstances,
        // Pub/Sub push arrives from outside any VPC; IAM (run.invoker) is what keeps it private.
        ingressSettings: 'ALLOW_ALL',
        allTrafficOnLatestRevision: true,
        environmentVariables: functionEnvironment(args, settings),
        secretEnvironmentVariables: engine.basicAuth
          ? [
              {
                key: 'ENGINE_BASIC_AUTH_PASSWORD',
                projectId: engine.project,
                secret: engine.basicAuth.passwordSecretId,
                version: engine.basicAuth.passwordSecretVersion,
              },
            ]
          : [],
      },
    },
    { parent: component, dependsOn: [...identities.functionDeps] },
  );
  return {
    fn,
    url: fn.serviceConfig.apply((c) => c?.uri ?? ''),
    serviceName: pulumi.all([fn.serviceConfig, fn.name]).apply(([c, n]) => c?.service?.split('/').pop() || n),
  };
}
