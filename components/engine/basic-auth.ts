// Step 4 of CamundaServerless: Camunda's basic authentication, when it is on (always for a public
// engine): the admin user and a generated password kept in Secret Manager.

import type * as pulumi from '@pulumi/pulumi';
import type { EngineApis } from './apis';
import type { EngineBasicAuth } from './endpoint';
import { generatedPassword } from './database';
import type { EngineIdentity } from './identity';
import type { ResolvedCamundaServerlessArgs } from './resolve-args';
import { declareEngineSecret, type EngineSecret } from './secret';

export interface EngineAdmin {
  /** The secret the service reads ADMIN_PASSWORD from. */
  readonly secret: EngineSecret;
  /** What clients of the engine need (EngineEndpoint.basicAuth). */
  readonly credentials: EngineBasicAuth;
}

/** The admin credentials, or undefined when the REST API needs no Camunda authentication. */
export function declareEngineAdmin(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  { afterApis }: EngineApis,
  identity: EngineIdentity,
): EngineAdmin | undefined {
  if (args.restAuthentication !== 'basic') return undefined;
  const password = generatedPassword(`${args.name}-admin-password`, component);
  const secret = declareEngineSecret(component, args, 'admin-password', password.result, identity.member, afterApis);
  return {
    secret,
    credentials: {
      user: args.adminUser,
      passwordSecretId: secret.secretId,
      passwordSecretVersion: secret.version,
      password: password.result,
    },
  };
}
