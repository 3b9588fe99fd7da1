// Step 7 of EchoLoop: the loop starter's own account, when the engine checks its callers and no
// starterServiceAccount is given. The deployer's credentials cannot call such an engine (they are no
// caller, and a user login's ID token names gcloud's OAuth client as audience), so the starter
// impersonates an account of the loop's own: it may invoke the engine service, the deployer may mint
// its tokens, and the stack lists it among the engine's operators (echoStarterCaller).

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { PropagationDelay, STARTER_GRANT_PROPAGATION_SECONDS } from '../push/waits';
import type { PushWorker } from '../push-worker';
import { type ComponentApis, declareApis } from '../shared/apis';
import { starterAccountId } from './engine-access';
import type { ResolvedEchoLoopArgs } from './resolve-args';

/** The API the loop starter calls when it impersonates an account (IAM Service Account Credentials). */
export const STARTER_IMPERSONATION_API = 'iamcredentials';

/** The worker's APIs, and IAM Credentials when the loop starter impersonates an account. */
export function declareEchoApis(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  worker: PushWorker,
): ComponentApis {
  const names = args.enableApis && args.starterImpersonates ? [STARTER_IMPERSONATION_API] : [];
  const own = declareApis(component, args.name, args.project, names);
  const apis = [...worker.apis, ...own.apis];
  return { apis, afterApis: { parent: component, dependsOn: apis } };
}

export interface StarterIdentity {
  readonly account: gcp.serviceaccount.Account;
  /** The account's run.invoker on the engine service. */
  readonly engineInvoker: gcp.cloudrunv2.ServiceIamMember;
  /** The deployer's roles/iam.serviceAccountTokenCreator on the account. */
  readonly deployerTokenCreator: gcp.serviceaccount.IAMMember;
  /** Exists once both grants had time to propagate: the loop starter waits for it. */
  readonly propagated: PropagationDelay;
}

/** The IAM member of the deploying identity: a service account's, or a user's. */
export function deployerMember(email: string): string {
  return email.endsWith('.gserviceaccount.com') ? `serviceAccount:${email}` : `user:${email}`;
}

/** The starter's own account and its grants, or undefined when the loop needs none (see ownStarterAccount). */
export function declareStarterIdentity(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  project: ComponentApis,
): StarterIdentity | undefined {
  if (!args.ownStarterAccount) return undefined;
  const { name, engine } = args;
  const parent = { parent: component };
  const account = new gcp.serviceaccount.Account(
    `${name}-starter-sa`,
    {
      project: args.project,
      accountId: starterAccountId(args.prefix),
      displayName: `Starts and cancels loop ${args.loopName} (camunda-serverless)`,
    },
    project.afterApis,
  );
  const engineInvoker = new gcp.cloudrunv2.ServiceIamMember(
    `${name}-starter-engine-invoker`,
    {
      project: engine.project,
      location: engine.location,
      name: engine.serviceName,
      role: 'roles/run.invoker',
      member: pulumi.interpolate`serviceAccount:${account.email}`,
    },
    parent,
  );
  // Whoever runs `pulumi up` (a user or a CI service account) mints the account's ID tokens.
  const deployer = gcp.organizations.getClientOpenIdUserInfoOutput(parent);
  const deployerTokenCreator = new gcp.serviceaccount.IAMMember(
    `${name}-starter-token-creator`,
    {
      serviceAccountId: account.name,
      role: 'roles/iam.serviceAccountTokenCreator',
      member: deployer.email.apply(deployerMember),
    },
    parent,
  );
  const propagated = new PropagationDelay(
    `${name}-starter-grants-propagation`,
    {
      seconds: STARTER_GRANT_PROPAGATION_SECONDS,
      trigger: pulumi.interpolate`${engineInvoker.id},${deployerTokenCreator.id}`,
    },
    { parent: component, dependsOn: [engineInvoker, deployerTokenCreator] },
  );
  return { account, engineInvoker, deployerTokenCreator, propagated };
}
