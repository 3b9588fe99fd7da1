// Step 5 of CamundaServerless: the engine image, by digest. A ready image is used as given (once
// checked); otherwise docker/camunda is built for linux/amd64 and pushed to an Artifact Registry
// repository of the component's own.

import * as docker from '@pulumi/docker';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as path from 'node:path';
import { defaultEngineBuildContext } from '../paths';
import { ConfigurationError } from '../validation';
import type { EngineApis } from './apis';
import type { CheckedEngineSettings, ResolvedCamundaServerlessArgs } from './resolve-args';

export interface EngineImage {
  /** The image the service runs, `…@sha256:<digest>`. */
  readonly digest: pulumi.Output<string>;
}

function declareRepository(args: ResolvedCamundaServerlessArgs, opts: pulumi.CustomResourceOptions) {
  return new gcp.artifactregistry.Repository(
    `${args.name}-images`,
    {
      project: args.project,
      location: args.region,
      repositoryId: `${args.prefix}-images`,
      format: 'DOCKER',
      description: 'Camunda engine images (camunda-serverless)',
      labels: args.labels,
      // Keep the recent images (the running revision's among them), drop the rest after 30 days.
      cleanupPolicies: [
        { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
        { id: 'delete-old', action: 'DELETE', condition: { olderThan: '2592000s' } },
      ],
    },
    opts,
  );
}

function buildImage(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  { afterApis }: EngineApis,
): pulumi.Output<string> {
  const parent = { parent: component };
  const repository = declareRepository(args, afterApis);
  const registry = pulumi.interpolate`${args.region}-docker.pkg.dev`;
  // Looked up only now: an installed package without docker/ can still deploy a ready image.
  const context = args.build.context ?? defaultEngineBuildContext();
  const built = new docker.Image(
    `${args.name}-image`,
    {
      imageName: pulumi.interpolate`${registry}/${repository.project}/${repository.repositoryId}/camunda-engine:latest`,
      build: {
        context,
        dockerfile: args.build.dockerfile ?? path.join(context, 'docker', 'camunda', 'Dockerfile'),
        platform: args.build.platform ?? 'linux/amd64',
      },
      // The deployer's own access token: no key files, and it works wherever gcloud/ADC works.
      registry: {
        server: registry,
        username: 'oauth2accesstoken',
        password: pulumi.secret(gcp.organizations.getClientConfigOutput(parent).accessToken),
      },
      buildOnPreview: false,
      skipPush: false,
    },
    parent,
  );
  return built.repoDigest;
}

export function declareEngineImage(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  settings: CheckedEngineSettings,
  apis: EngineApis,
): EngineImage {
  if (args.image === undefined) return { digest: buildImage(component, args, apis) };
  const digest = settings.all.apply((v) => {
    if (v.image === undefined) {
      throw new ConfigurationError(`CamundaServerless '${args.name}': image resolved to nothing`);
    }
    return v.image;
  });
  return { digest };
}
