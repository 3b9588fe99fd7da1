// Step 3 of PushWorker: the identities of the data path and their only permissions. The function may
// invoke the engine (and read its basic-auth password); the push account may invoke the function;
// the builder builds it.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { accountDisplayName } from './names';
import type { PushProject } from './project';
import type { ResolvedPushWorkerArgs } from './resolve-args';
import { BUILD_GRANT_PROPAGATION_SECONDS, PropagationDelay } from './waits';

export interface PushIdentities {
  /** The function's account, unless an existing one was given (`functionServiceAccount`). */
  readonly functionAccount: gcp.serviceaccount.Account | undefined;
  /** The e-mail the function runs as. */
  readonly functionEmail: pulumi.Output<string>;
  readonly pushAccount: gcp.serviceaccount.Account;
  /** `serviceAccount:<push account>`, for the function's invoker grant. */
  readonly pushMember: pulumi.Output<string>;
  /** Lets Pub/Sub mint the push account's OIDC tokens. */
  readonly pushTokenCreator: gcp.serviceaccount.IAMMember;
  /** The function's run.invoker on the engine service. */
  readonly engineInvoker: gcp.cloudrunv2.ServiceIamMember;
  /** Who builds the function (`projects/<p>/serviceAccounts/<email>`). */
  readonly buildAccount: pulumi.Input<string>;
  /** What the function needs before it is created: APIs and the grants above. */
  readonly functionDeps: readonly pulumi.Resource[];
}

/** The function's grants on the engine: run.invoker, and the basic-auth password when there is one. */
function engineGrants(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  member: pulumi.Output<string>,
) {
  const { name, engine } = args;
  const parent = { parent: component };
  const engineInvoker = new gcp.cloudrunv2.ServiceIamMember(
    `${name}-engine-invoker`,
    { project: engine.project, location: engine.location, name: engine.serviceName, role: 'roles/run.invoker', member },
    parent,
  );
  const passwordAccess = engine.basicAuth
    ? [
        new gcp.secretmanager.SecretIamMember(
          `${name}-engine-password-access`,
          {
            project: engine.project,
            secretId: engine.basicAuth.passwordSecretId,
            role: 'roles/secretmanager.secretAccessor',
            member,
          },
          parent,
        ),
      ]
    : [];
  return { engineInvoker, passwordAccess };
}

/**
 * The given build account, or a dedicated one: new projects often leave the default one without
 * rights. Its role is Cloud Run Builder, what Google names for a function's build account (Artifact
 * Registry upload, reading the source, writing build logs), not Cloud Build's builder role, which
 * can write any bucket of the project. The build waits for the grant to propagate, also when the
 * engine already exists and nothing else slows the first `up` down.
 */
function buildIdentity(component: pulumi.ComponentResource, args: ResolvedPushWorkerArgs, { afterApis }: PushProject) {
  if (args.buildServiceAccount !== undefined) return { buildAccount: args.buildServiceAccount, grants: [] };
  const { name, names, project, title } = args;
  const builder = new gcp.serviceaccount.Account(
    `${name}-build-sa`,
    { project, accountId: names.buildAccountId, displayName: accountDisplayName(`Builds the function of ${title}`) },
    afterApis,
  );
  const role = new gcp.projects.IAMMember(
    `${name}-build-role`,
    { project, role: 'roles/run.builder', member: pulumi.interpolate`serviceAccount:${builder.email}` },
    { parent: component },
  );
  const propagated = new PropagationDelay(
    `${name}-build-role-propagation`,
    { seconds: BUILD_GRANT_PROPAGATION_SECONDS, trigger: role.id },
    { parent: component, dependsOn: [role] },
  );
  return { buildAccount: builder.name, grants: [role, propagated] };
}

/** The function's own account, or the existing one given. */
function functionIdentity(args: ResolvedPushWorkerArgs, project: PushProject) {
  if (args.functionServiceAccount !== undefined) {
    return { functionAccount: undefined, functionEmail: pulumi.output(args.functionServiceAccount) };
  }
  const functionAccount = new gcp.serviceaccount.Account(
    `${args.name}-function-sa`,
    {
      project: args.project,
      accountId: args.names.functionAccountId,
      displayName: accountDisplayName(`Function of ${args.title} (camunda-serverless)`),
    },
    project.afterApis,
  );
  return { functionAccount, functionEmail: functionAccount.email };
}

export function declarePushIdentities(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  project: PushProject,
): PushIdentities {
  const { name, names, title } = args;
  const { functionAccount, functionEmail } = functionIdentity(args, project);
  const pushAccount = new gcp.serviceaccount.Account(
    `${name}-push-sa`,
    {
      project: args.project,
      accountId: names.pushAccountId,
      displayName: accountDisplayName(`Pub/Sub push to the function of ${title}`),
    },
    project.afterApis,
  );
  // Older projects need this for Pub/Sub to mint the push OIDC token; scoped to this account only.
  const pushTokenCreator = new gcp.serviceaccount.IAMMember(
    `${name}-push-token-creator`,
    { serviceAccountId: pushAccount.name, role: 'roles/iam.serviceAccountTokenCreator', member: project.pubsubAgent },
    { parent: component },
  );
  const functionMember = pulumi.interpolate`serviceAccount:${functionEmail}`;
  const { engineInvoker, passwordAccess } = engineGrants(component, args, functionMember);
  const build = buildIdentity(component, args, project);
  return {
    functionAccount,
    functionEmail,
    pushAccount,
    pushMember: pulumi.interpolate`serviceAccount:${pushAccount.email}`,
    pushTokenCreator,
    engineInvoker,
    buildAccount: build.buildAccount,
    functionDeps: [...project.apis, engineInvoker, ...passwordAccess, ...build.grants],
  };
}
