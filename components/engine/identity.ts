// Step 2 of CamundaServerless: the engine's service account and its only permissions, cloudsql.client
// and pubsub.publisher on the topics it publishes to. Its secrets grant it access one by one (secret.ts).

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { known } from '../shared/inputs';
import { sanitizePrefix } from '../validation';
import type { EngineApis } from './apis';
import type { ResolvedCamundaServerlessArgs } from './resolve-args';

export interface EngineIdentity {
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** `serviceAccount:<email>`, for IAM members. */
  readonly member: pulumi.Output<string>;
  /** cloudsql.client on the project: the service's first revision needs it. */
  readonly sqlClient: gcp.projects.IAMMember;
}

export function declareEngineIdentity(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  { afterApis }: EngineApis,
): EngineIdentity {
  const { name, prefix, project } = args;
  const parent = { parent: component };
  const serviceAccount = new gcp.serviceaccount.Account(
    `${name}-sa`,
    {
      project,
      accountId: `${prefix}-engine`,
      displayName: 'Camunda engine (camunda-serverless)',
      description: `Runs the ${prefix}-engine Cloud Run service`,
    },
    afterApis,
  );
  const member = pulumi.interpolate`serviceAccount:${serviceAccount.email}`;
  // Cloud SQL has no per-instance IAM: connecting needs cloudsql.client on the project.
  const sqlClient = new gcp.projects.IAMMember(
    `${name}-cloudsql-client`,
    { project, role: 'roles/cloudsql.client', member },
    parent,
  );
  args.publishTopics.forEach((topic, index) => {
    // Named after the topic when it is known now, else after its position.
    const plain = known(topic);
    const suffix = plain !== undefined ? sanitizePrefix(plain.split('/').pop() ?? plain, 40) : String(index);
    new gcp.pubsub.TopicIAMMember(
      `${name}-publish-${suffix}`,
      { project, topic, role: 'roles/pubsub.publisher', member },
      parent,
    );
  });
  return { serviceAccount, member, sqlClient };
}
