// Step 6 of CamundaServerless: the Cloud Run service on the image digest, with always-on CPU (the job
// executor works between requests), a startup probe on /ready, the Cloud SQL connection, secrets as
// references; and the allUsers invoker only when the engine is public.

import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { INGRESS } from '../validation';
import type { EngineApis } from './apis';
import { CAMUNDA_DEFAULTS } from './args';
import { ENGINE_ENV, OPTIONAL_ENGINE_ARG_KEYS } from './catalogue';
import type { EngineAdmin } from './basic-auth';
import { restCallersValue, type ResolvedEngineCaller } from './callers';
import type { EngineDatabase } from './database';
import type { EngineIdentity } from './identity';
import type { EngineImage } from './image';
import type { CheckedEngineSettings, ResolvedCamundaServerlessArgs } from './resolve-args';

type ContainerEnv = pulumi.Input<gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv>;

export interface EngineService {
  readonly service: gcp.cloudrunv2.Service;
}

/** The container's environment: database, authentication, engine settings, then `environment`. */
export function engineEnvironment(
  args: ResolvedCamundaServerlessArgs,
  settings: CheckedEngineSettings,
  db: EngineDatabase,
  admin: EngineAdmin | undefined,
  callers?: pulumi.Output<ResolvedEngineCaller[]>,
): ContainerEnv[] {
  const secretRef = (secret: EngineDatabase['passwordSecret']) => ({
    secretKeyRef: { secret: secret.secretId, version: secret.version },
  });
  const env: ContainerEnv[] = [
    { name: 'DB_TYPE', value: 'postgres' },
    { name: 'CLOUD_SQL_INSTANCE', value: db.instance.connectionName },
    { name: 'DB_NAME', value: db.database.name },
    { name: 'DB_USER', value: db.user.name },
    { name: 'DB_PASSWORD', valueSource: secretRef(db.passwordSecret) },
    { name: 'DB_IAM_AUTH', value: 'false' },
    {
      name: ENGINE_ENV.databasePoolSize,
      value: settings.get('databasePoolSize', CAMUNDA_DEFAULTS.databasePoolSize).apply(String),
    },
    { name: 'REST_AUTH', value: args.restAuthentication },
    {
      name: ENGINE_ENV.publishRetryTimeCycle,
      value: settings.get('publishRetryTimeCycle', CAMUNDA_DEFAULTS.publishRetryTimeCycle),
    },
  ];
  if (callers) {
    // Who may call which REST paths; the engine refuses requests of anyone else (403).
    const context = `CamundaServerless '${args.name}': invalid callers or operators`;
    env.push({ name: 'REST_CALLERS', value: callers.apply((c) => restCallersValue(c, context)) });
  }
  if (args.javaToolOptions !== undefined) env.push({ name: 'JAVA_TOOL_OPTIONS', value: args.javaToolOptions });
  if (admin) {
    env.push({ name: 'ADMIN_USER', value: args.adminUser });
    env.push({ name: 'ADMIN_PASSWORD', valueSource: secretRef(admin.secret) });
  }
  // The other engine settings only when given: else the engine's own default applies.
  for (const key of OPTIONAL_ENGINE_ARG_KEYS) {
    if (args.engine[key] !== undefined) {
      env.push({ name: ENGINE_ENV[key], value: settings.all.apply((s) => String(s[key])) });
    }
  }
  for (const [envName, value] of Object.entries(args.environment)) env.push({ name: envName, value });
  return env;
}

/**
 * The startup probe: Cloud Run caps failureThreshold × periodSeconds at 240 s and adds up to 240 s
 * of initialDelaySeconds, so a slow first start (schema creation on db-f1-micro) gets 60 s more.
 */
export const STARTUP_PROBE = {
  initialDelaySeconds: 60,
  periodSeconds: 5,
  timeoutSeconds: 3,
  failureThreshold: 48,
} as const;

/** The container: resources and the startup probe. The database is reached through the JDBC socket factory. */
function engineContainer(
  settings: CheckedEngineSettings,
  image: EngineImage,
  envs: ContainerEnv[],
): gcp.types.input.cloudrunv2.ServiceTemplateContainer {
  const { containerPort, readinessPath } = CAMUNDA_DEFAULTS;
  return {
    name: 'engine',
    image: image.digest,
    ports: { containerPort },
    envs,
    resources: {
      limits: {
        cpu: settings.get('cpu', CAMUNDA_DEFAULTS.cpu),
        memory: settings.get('memory', CAMUNDA_DEFAULTS.memory),
      },
      // Always-on CPU: the job executor runs between requests (request-based CPU starves it).
      cpuIdle: false,
      startupCpuBoost: true,
    },
    // Up to 5 minutes for the JVM, the schema check and the BPMN deployment.
    startupProbe: { httpGet: { path: readinessPath, port: containerPort }, ...STARTUP_PROBE },
  };
}

export function declareEngineService(
  component: pulumi.ComponentResource,
  args: ResolvedCamundaServerlessArgs,
  settings: CheckedEngineSettings,
  steps: {
    apis: EngineApis;
    identity: EngineIdentity;
    db: EngineDatabase;
    admin: EngineAdmin | undefined;
    image: EngineImage;
    /** Who may call which REST paths, with restAuthentication `google`. */
    callers: pulumi.Output<ResolvedEngineCaller[]> | undefined;
  },
): EngineService {
  const { name, project, region } = args;
  const { apis, identity, db, admin, image } = steps;
  const labels: Record<string, string> = { ...args.labels };
  // The policy pack allows an allUsers invoker only on services that carry this label.
  if (args.public) labels['public-invoker'] = 'opted-in';
  const secretAccess = [db.passwordSecret.access, ...(admin ? [admin.secret.access] : [])];
  const service = new gcp.cloudrunv2.Service(
    `${name}-service`,
    {
      project,
      location: region,
      name: `${args.prefix}-engine`,
      description: 'Camunda 7 process engine (camunda-serverless)',
      ingress: INGRESS[args.ingress],
      deletionProtection: args.deletionProtection,
      invokerIamDisabled: false,
      labels,
      template: {
        serviceAccount: identity.serviceAccount.email,
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        timeout: settings.get('requestTimeoutSeconds', CAMUNDA_DEFAULTS.requestTimeoutSeconds).apply((v) => `${v}s`),
        maxInstanceRequestConcurrency: settings.get('concurrency', CAMUNDA_DEFAULTS.concurrency),
        scaling: {
          minInstanceCount: settings.get('minInstances', CAMUNDA_DEFAULTS.minInstances),
          maxInstanceCount: settings.get('maxInstances', CAMUNDA_DEFAULTS.maxInstances),
        },
        // No /cloudsql volume: the engine connects through the Cloud SQL JDBC socket factory (CLOUD_SQL_INSTANCE).
        containers: [engineContainer(settings, image, engineEnvironment(args, settings, db, admin, steps.callers))],
      },
    },
    // The first revision must be able to read its secrets and reach the database.
    { parent: component, dependsOn: [...apis.apis, identity.sqlClient, ...secretAccess, db.user, db.database] },
  );
  if (args.public) {
    new gcp.cloudrunv2.ServiceIamMember(
      `${name}-public-invoker`,
      { project, location: region, name: service.name, role: 'roles/run.invoker', member: 'allUsers' },
      { parent: component },
    );
  }
  return { service };
}
