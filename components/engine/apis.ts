// Step 1 of CamundaServerless: the Google APIs the engine needs.

import type * as pulumi from '@pulumi/pulumi';
import { type ComponentApis, declareApis } from '../shared/apis';
import type { ResolvedCamundaServerlessArgs } from './resolve-args';

export type EngineApis = ComponentApis;

/** The APIs the engine uses: Artifact Registry only when it builds, Cloud Scheduler only with a wake-up job. */
export function engineApiNames(args: ResolvedCamundaServerlessArgs): string[] {
  // cloudresourcemanager: the project-level IAM grant (cloudsql.client) goes through it.
  const names = ['run', 'sqladmin', 'secretmanager', 'iam', 'cloudresourcemanager'];
  if (args.image === undefined) names.push('artifactregistry');
  if (args.wakeSchedule !== undefined) names.push('cloudscheduler');
  return names;
}

export function declareEngineApis(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
): EngineApis {
  return declareApis(component, args.name, args.project, args.enableApis ? engineApiNames(args) : []);
}
