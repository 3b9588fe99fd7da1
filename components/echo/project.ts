// Step 1 of EchoLoop: the Google APIs the loop needs (IAM Credentials too when the loop starter
// impersonates an account), and the project's Pub/Sub service agent (it dead-letters, and mints the
// push subscription's OIDC tokens).

import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
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
  // Project-level IAM grants (the build account's role) go through the Resource Manager API.
  'cloudresourcemanager',
] as const;

/** The API the loop starter calls when it impersonates an account (IAM Service Account Credentials). */
export const STARTER_IMPERSONATION_API = 'iamcredentials';

export interface EchoProject extends ComponentApis {
  /** `serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`, once the agent exists. */
  readonly pubsubAgent: pulumi.Output<string>;
}

export function declareEchoProject(component: pulumi.ComponentResource, args: ResolvedEchoLoopArgs): EchoProject {
  const names = [...ECHO_APIS, ...(args.starterImpersonates ? [STARTER_IMPERSONATION_API] : [])];
  const apis = declareApis(component, args.name, args.project, args.enableApis ? names : []);
  // The agent is created lazily by Google; granting it roles before it exists fails ("Service
  // account ... does not exist"). ServiceIdentity creates it now, and needs no project-number lookup.
  const agent = new gcp.projects.ServiceIdentity(
    `${args.name}-pubsub-agent`,
    { project: args.project, service: 'pubsub.googleapis.com' },
    apis.afterApis,
  );
  return { ...apis, pubsubAgent: agent.member };
}
