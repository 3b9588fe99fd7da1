// A Secret Manager secret holding a generated value, readable by the engine's service account only.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { ResolvedCamundaServerlessArgs } from './resolve-args';

export interface EngineSecret {
  /** Resource id of the secret (`projects/<p>/secrets/<id>`). */
  readonly id: pulumi.Output<string>;
  /** Short secret id. */
  readonly secretId: pulumi.Output<string>;
  /** The version holding the value: the service pins it. */
  readonly version: pulumi.Output<string>;
  /** The reader's access grant (the service depends on it). */
  readonly access: pulumi.Resource;
}

/** `<name>-<what>-secret`, `-version` and `-access`: the secret `<prefix>-<what>` holding `value`. */
export function declareEngineSecret(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  what: string,
  value: pulumi.Input<string>,
  reader: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): EngineSecret {
  const { name, prefix, project, labels } = args;
  const secret = new gcp.secretmanager.Secret(
    `${name}-${what}-secret`,
    { project, secretId: `${prefix}-${what}`, replication: { auto: {} }, labels },
    opts,
  );
  const version = new gcp.secretmanager.SecretVersion(
    `${name}-${what}-version`,
    { secret: secret.id, secretData: pulumi.secret(value) },
    { parent: component },
  );
  const access = new gcp.secretmanager.SecretIamMember(
    `${name}-${what}-access`,
    { project, secretId: secret.secretId, role: 'roles/secretmanager.secretAccessor', member: reader },
    { parent: component },
  );
  return { id: secret.id, secretId: secret.secretId, version: version.version, access };
}
