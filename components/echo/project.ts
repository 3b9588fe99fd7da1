// Step 1 of EchoLoop: the Google APIs the loop needs, and the project's Pub/Sub service agent (it
// dead-letters, and mints the push subscription's OIDC tokens).

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { type ComponentApis, declareApis } from '../shared/apis';
import type { ResolvedEchoLoopArgs } from './resolve-args';

export const ECHO_APIS = [
  'cloudfunctions',
  'cloudbuild',
  'run',
  'pubsub',
  'storage',
  'artifactregistry',
  'logging',
  'monitoring',
  'iam',
] as const;

export interface EchoProject extends ComponentApis {
  /** `serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`. */
  readonly pubsubAgent: pulumi.Output<string>;
}

export function declareEchoProject(component: pulumi.ComponentResource, args: ResolvedEchoLoopArgs): EchoProject {
  const apis = declareApis(component, args.name, args.project, args.enableApis ? ECHO_APIS : []);
  const projectNumber = gcp.organizations.getProjectOutput({ projectId: args.project }, { parent: component }).number;
  const pubsubAgent = pulumi.interpolate`serviceAccount:service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;
  return { ...apis, pubsubAgent };
}
