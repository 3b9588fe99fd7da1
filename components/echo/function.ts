// Step 4 of EchoLoop: the echo function (Cloud Functions 2nd gen, i.e. a Cloud Run service), built
// from a source archive named after its content, so every source change redeploys it.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { defaultEchoFunctionSource } from '../paths';
import { type FunctionSource, functionSource } from '../source-archive';
import { ECHO_DEFAULTS } from './args';
import type { EchoIdentities } from './identities';
import type { EchoProject } from './project';
import type { EchoSettingValues, ResolvedEchoLoopArgs } from './resolve-args';

export interface EchoFunction {
  readonly fn: gcp.cloudfunctionsv2.Function;
  /** The function's URL (its Cloud Run service URL: the push endpoint's base and token audience). */
  readonly url: pulumi.Output<string>;
  /** The Cloud Run service behind the function (for run.invoker and log filters). */
  readonly serviceName: pulumi.Output<string>;
}

/** Reads the function's source (before any resource is declared: a missing source fails first). */
export function readEchoFunctionSource(args: ResolvedEchoLoopArgs): FunctionSource {
  return functionSource(args.functionSourceDir ?? defaultEchoFunctionSource(), `${args.prefix}-source`);
}

/** The function's environment; its basic-auth password comes as a secret reference. */
function functionEnvironment(
  args: ResolvedEchoLoopArgs,
  settings: pulumi.Output<Required<EchoSettingValues>>,
): Record<string, pulumi.Input<string>> {
  const { engine } = args;
  const environment: Record<string, pulumi.Input<string>> = {
    ENGINE_URL: engine.url,
    ENGINE_AUTH: 'id-token',
    KNOWN_MESSAGE_NAMES: args.knownMessageNames.join(','),
    ENGINE_TIMEOUT_MS: settings.engineTimeoutMs.apply(String),
  };
  if (engine.basicAuth) environment.ENGINE_BASIC_AUTH_USER = engine.basicAuth.user;
  return environment;
}

function uploadSource(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  source: FunctionSource,
  { afterApis }: EchoProject,
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

export function declareEchoFunction(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  settings: pulumi.Output<Required<EchoSettingValues>>,
  source: FunctionSource,
  project: EchoProject,
  identities: EchoIdentities,
): EchoFunction {
  const { engine, loopName } = args;
  const { bucket, object } = uploadSource(component, args, source, project);
  const fn = new gcp.cloudfunctionsv2.Function(
    `${args.name}-function`,
    {
      project: args.project,
      location: args.region,
      name: args.prefix,
      description: `Echo function of loop ${loopName}: forwards replies to the engine (camunda-serverless)`,
      labels: args.labels,
      buildConfig: {
        runtime: args.functionRuntime,
        entryPoint: ECHO_DEFAULTS.entryPoint,
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
