// Step 1 of PushWorker: the Google APIs a worker needs, and the project's Pub/Sub service agent (it
// dead-letters, and mints the push subscription's OIDC tokens).

import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { type ComponentApis, declareApis } from '../shared/apis';
import type { ResolvedPushWorkerArgs } from './resolve-args';

export const PUSH_WORKER_APIS = [
  'cloudfunctions',
  'cloudbuild',
  'run',
  'pubsub',
  'storage',
  'artifactregistry',
  'logging',
  'monitoring',
  'iam',
  // Project-level IAM grants (the build account's role) go through the Resource Manager API.
  'cloudresourcemanager',
] as const;

export interface PushProject extends ComponentApis {
  /** `serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`, once the agent exists. */
  readonly pubsubAgent: pulumi.Output<string>;
}

export function declarePushProject(component: pulumi.ComponentResource, args: ResolvedPushWorkerArgs): PushProject {
  const apis = declareApis(component, args.name, args.project, args.enableApis ? PUSH_WORKER_APIS : []);
  // The agent is created lazily by Google; granting it roles before it exists fails ("Service
  // account ... does not exist"). ServiceIdentity creates it now, and needs no project-number lookup.
  const agent = new gcp.projects.ServiceIdentity(
    `${args.name}-pubsub-agent`,
    { project: args.project, service: 'pubsub.googleapis.com' },
    apis.afterApis,
  );
  return { ...apis, pubsubAgent: agent.member };
}
