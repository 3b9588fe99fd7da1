// Step 7 of CamundaServerless: a Cloud Scheduler job that calls /ready with an OIDC token of its own
// account, so due job retries and timers run after the service scaled to zero.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { EngineApis } from './apis';
import { CAMUNDA_DEFAULTS } from './args';
import type { ResolvedCamundaServerlessArgs } from './resolve-args';
import type { EngineService } from './service';

export interface EngineWakeUp {
  /** The job, or undefined when `wakeIntervalMinutes` is 0. */
  readonly job: gcp.cloudscheduler.Job | undefined;
}

export function declareEngineWakeUp(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  { apis, afterApis }: EngineApis,
  { service }: EngineService,
): EngineWakeUp {
  const { name, prefix, project, region, wakeSchedule: schedule } = args;
  if (schedule === undefined) return { job: undefined };
  const account = new gcp.serviceaccount.Account(
    `${name}-wake-sa`,
    { project, accountId: `${prefix}-wake`, displayName: 'Camunda engine wake-up (camunda-serverless)' },
    afterApis,
  );
  const invoker = new gcp.cloudrunv2.ServiceIamMember(
    `${name}-wake-invoker`,
    {
      project,
      location: region,
      name: service.name,
      role: 'roles/run.invoker',
      member: pulumi.interpolate`serviceAccount:${account.email}`,
    },
    { parent: component },
  );
  const job = new gcp.cloudscheduler.Job(
    `${name}-wake`,
    {
      project,
      region: args.schedulerRegion,
      name: `${prefix}-wake`,
      description: 'Wakes the Camunda engine so due job retries and timers run after it scaled to zero',
      schedule,
      timeZone: 'Etc/UTC',
      // A cold start (JVM, database, deployment) can take minutes; the request waits for it.
      attemptDeadline: '320s',
      retryConfig: { retryCount: 1, minBackoffDuration: '30s' },
      httpTarget: {
        uri: pulumi.interpolate`${service.uri}${CAMUNDA_DEFAULTS.readinessPath}`,
        httpMethod: 'GET',
        oidcToken: { serviceAccountEmail: account.email, audience: service.uri },
      },
    },
    { parent: component, dependsOn: [...apis, invoker] },
  );
  return { job };
}
