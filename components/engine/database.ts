// Step 3 of CamundaServerless: Cloud SQL PostgreSQL, the engine's database and user, and the user's
// generated password, kept in Secret Manager (the service reads it as a secret reference).

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { EngineApis } from './apis';
import { CAMUNDA_DEFAULTS } from './args';
import type { EngineIdentity } from './identity';
import type { CheckedEngineSettings, ResolvedCamundaServerlessArgs } from './resolve-args';
import { declareEngineSecret, type EngineSecret } from './secret';

export interface EngineDatabase {
  readonly instance: gcp.sql.DatabaseInstance;
  readonly database: gcp.sql.Database;
  readonly user: gcp.sql.User;
  /** The secret holding the user's password. */
  readonly passwordSecret: EngineSecret;
}

/** A generated password of letters and digits: nothing for JDBC URLs or Spring placeholders (`${…}`) to mangle. */
export function generatedPassword(name: string, component: pulumi.ComponentResource): random.RandomPassword {
  return new random.RandomPassword(
    name,
    { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 },
    { parent: component },
  );
}

function declareInstance(
  args: ResolvedCamundaServerlessArgs,
  settings: CheckedEngineSettings,
  opts: pulumi.CustomResourceOptions,
): gcp.sql.DatabaseInstance {
  const { project, region, deletionProtection, database: db } = args;
  return new gcp.sql.DatabaseInstance(
    `${args.name}-db`,
    {
      project,
      region,
      databaseVersion: settings.get('databaseVersion', CAMUNDA_DEFAULTS.databaseVersion),
      deletionProtection,
      settings: {
        tier: settings.get('databaseTier', CAMUNDA_DEFAULTS.databaseTier),
        edition: db.edition,
        availabilityType: db.availabilityType,
        diskSize: settings.get('databaseDiskSizeGb', CAMUNDA_DEFAULTS.databaseDiskSizeGb),
        diskAutoresize: true,
        deletionProtectionEnabled: deletionProtection,
        // Public IP without authorized networks: only Cloud SQL connectors (the engine's JDBC socket
        // factory, the Cloud SQL Auth Proxy) get in, always over TLS. sslMode is provider v9's
        // setting for that (requireSsl is gone).
        ipConfiguration: { ipv4Enabled: true, sslMode: 'ENCRYPTED_ONLY', authorizedNetworks: [] },
        connectorEnforcement: 'REQUIRED',
        backupConfiguration: pulumi.output(db.backups).apply((enabled) => ({
          enabled,
          pointInTimeRecoveryEnabled: enabled,
        })),
        userLabels: args.labels,
      },
    },
    opts,
  );
}

export function declareEngineDatabase(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  settings: CheckedEngineSettings,
  { afterApis }: EngineApis,
  identity: EngineIdentity,
): EngineDatabase {
  const { name, project } = args;
  const parent = { parent: component };
  const instance = declareInstance(args, settings, afterApis);
  const database = new gcp.sql.Database(
    `${name}-database`,
    // Dropping the instance drops the database; deleting it first fails while connections linger.
    { project, instance: instance.name, name: args.database.name, deletionPolicy: 'ABANDON' },
    parent,
  );
  const password = generatedPassword(`${name}-db-password`, component);
  const user = new gcp.sql.User(
    `${name}-db-user`,
    // PostgreSQL will not drop a user that owns the engine's tables; the instance goes anyway.
    {
      project,
      instance: instance.name,
      name: args.database.user,
      password: password.result,
      deletionPolicy: 'ABANDON',
    },
    parent,
  );
  const passwordSecret = declareEngineSecret(
    component,
    args,
    'db-password',
    password.result,
    identity.member,
    afterApis,
  );
  return { instance, database, user, passwordSecret };
}
