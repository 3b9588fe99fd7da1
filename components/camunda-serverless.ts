// CamundaServerless: the Camunda 7 engine on Cloud Run with Cloud SQL PostgreSQL, private by default.
//
// What it creates, and why each piece is there:
// - the APIs it needs (left enabled on destroy: other stacks in the project may use them);
// - an Artifact Registry repository and the engine image built from docker/camunda for linux/amd64,
//   unless a ready image (by digest) is given;
// - a Cloud Run v2 service on the image *digest* (a tag would not roll out a new revision), with
//   always-on CPU (the job executor works between requests), a startup probe on /ready, and the
//   Cloud SQL connection;
// - Cloud SQL PostgreSQL (edition ENTERPRISE, so shared-core tiers such as db-f1-micro work), the
//   database, and a generated password kept in Secret Manager and handed to the service as a secret
//   reference, never as a literal;
// - a service account with cloudsql.client, access to its own secrets, and pubsub.publisher on the
//   topics it publishes to, nothing else;
// - no public invoker unless `public: true`, and then Camunda's basic authentication is on;
// - a Cloud Scheduler job that calls /ready with an OIDC token, so due retries and timers run after
//   the service scaled to zero.

import * as docker from '@pulumi/docker';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import * as path from 'node:path';
import { z } from 'zod';
import { defaultEngineBuildContext } from './paths';
import {
  CLEANUP_WINDOW,
  ConfigurationError,
  CPU_VALUES,
  HISTORY_LEVELS,
  INGRESS,
  type IngressName,
  isDayTimeDuration,
  isRepublishDelay,
  isRetryTimeCycle,
  MEMORY,
  NAME_PREFIX,
  parseOrThrow,
  PROJECT_ID,
  REGION,
  sanitizePrefix,
  wakeSchedule,
} from './validation';

/** Basic-auth credentials of an engine whose REST API requires Camunda authentication. */
export interface EngineBasicAuth {
  /** The Camunda admin user. */
  readonly user: pulumi.Input<string>;
  /** Secret Manager secret id (short name, same project) holding the password. */
  readonly passwordSecretId: pulumi.Input<string>;
  /** The secret version the engine reads. */
  readonly passwordSecretVersion: pulumi.Input<string>;
  /** The password itself, as a Pulumi secret (the loop starter needs it; never export it). */
  readonly password: pulumi.Input<string>;
}

/** What a client of the engine (such as {@link EchoLoop}) needs to know. CamundaServerless is one. */
export interface EngineEndpoint {
  /** Base URL of the engine's Cloud Run service. */
  readonly url: pulumi.Input<string>;
  /** Cloud Run service name of the engine (for run.invoker grants). */
  readonly serviceName: pulumi.Input<string>;
  /** Region of the engine's Cloud Run service. */
  readonly location: pulumi.Input<string>;
  /** Project the engine runs in. */
  readonly project: pulumi.Input<string>;
  /** Service account the engine runs as (gets pubsub.publisher on topics it publishes to). */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** Set when the engine's REST API requires Camunda basic authentication. */
  readonly basicAuth?: EngineBasicAuth | undefined;
}

/** Cloud SQL settings. */
export interface CamundaDatabaseArgs {
  /** Cloud SQL database version. Default `POSTGRES_16`. */
  readonly version?: pulumi.Input<string>;
  /** Machine tier. Default `db-f1-micro` (shared core: fine for the echo loop, not for load). */
  readonly tier?: pulumi.Input<string>;
  /**
   * Cloud SQL edition. Default `ENTERPRISE`: PostgreSQL 16+ would otherwise default to
   * ENTERPRISE_PLUS, which rejects shared-core tiers such as db-f1-micro.
   */
  readonly edition?: pulumi.Input<'ENTERPRISE' | 'ENTERPRISE_PLUS'>;
  /** Daily backups with point-in-time recovery. Default true. */
  readonly backups?: pulumi.Input<boolean>;
  /** `ZONAL` or `REGIONAL` (high availability, about twice the cost). Default `ZONAL`. */
  readonly availabilityType?: pulumi.Input<'ZONAL' | 'REGIONAL'>;
  /** Initial disk size in GB; the disk grows automatically. Default 10. */
  readonly diskSizeGb?: pulumi.Input<number>;
  /** Database name. Default `camunda`. */
  readonly name?: pulumi.Input<string>;
  /** Database user. Default `camunda`. */
  readonly user?: pulumi.Input<string>;
  /**
   * JDBC connections per engine instance. Default 5. Keep maxInstances × poolSize below the tier's
   * connection limit (db-f1-micro allows 25, a few of which Cloud SQL keeps for itself).
   */
  readonly poolSize?: pulumi.Input<number>;
}

/** Process engine settings, passed to the container as environment variables. */
export interface CamundaEngineSettings {
  /** `failedJobRetryTimeCycle` of the publish step. Default `R999999/PT30S` (retry practically forever). */
  readonly publishRetryTimeCycle?: pulumi.Input<string>;
  /**
   * How long Echo waits for a reply before it publishes the same request again (`REPUBLISH_AFTER`), an
   * ISO duration of at least one second. It brings back a request lost after Pub/Sub accepted it, such
   * as a dead-lettered one. Default: the engine's own, `PT5M`.
   */
  readonly republishAfter?: pulumi.Input<string>;
  /** Engine-wide default `failedJobRetryTimeCycle`. Default: the engine's own. */
  readonly jobRetryTimeCycle?: pulumi.Input<string>;
  /**
   * History level: none, activity, audit or full. Default: the engine's own, `none`, the only level at
   * which an endless echo loop leaves the database flat (bpmn/README.md). A database keeps the level it
   * was set up with: changing it later stops the engine at start-up until the database is switched too.
   */
  readonly historyLevel?: pulumi.Input<string>;
  /** History time to live, ISO duration (`P1D`) or days. Default: the engine's own. */
  readonly historyTimeToLive?: pulumi.Input<string>;
  /** History cleanup batch window `HH:mm-HH:mm`. Default: the engine's own. */
  readonly historyCleanupWindow?: pulumi.Input<string>;
  /** Job lock time in ms (how long a killed instance's jobs stay locked). Default: the engine's own. */
  readonly jobLockTimeMs?: pulumi.Input<number>;
  /** Longest wait between job acquisitions in ms (how late due jobs are found). Default: the engine's own. */
  readonly jobMaxWaitMs?: pulumi.Input<number>;
}

/** Where the engine image comes from when no ready `image` is given. */
export interface CamundaImageBuildArgs {
  /** Docker build context. Default: the repository root (the image packages bpmn/). */
  readonly context?: string;
  /** Dockerfile path. Default `<context>/docker/camunda/Dockerfile`. */
  readonly dockerfile?: string;
  /** Target platform. Default `linux/amd64` (what Cloud Run runs). */
  readonly platform?: string;
}

export interface CamundaServerlessArgs {
  /** GCP project. Default: the provider's `gcp:project`. */
  readonly project?: pulumi.Input<string>;
  /** Region of Cloud Run, Cloud SQL and Artifact Registry. Default: the provider's `gcp:region`. */
  readonly region?: pulumi.Input<string>;
  /**
   * Prefix of physical names (service, accounts, secrets), 1 to 20 lowercase letters, digits and
   * hyphens. Default: derived from the component's name. Use one per stack when stacks share a project.
   */
  readonly namePrefix?: string;
  /**
   * A ready engine image referenced by digest (`…@sha256:<64 hex>`). When set, nothing is built.
   * Conflicts with `build`.
   */
  readonly image?: pulumi.Input<string>;
  /** How to build the image when `image` is not given (needs Docker where `pulumi up` runs). */
  readonly build?: CamundaImageBuildArgs;
  /** Minimum instances. Default 0: scale to zero (the wake-up job runs due work). */
  readonly minInstances?: pulumi.Input<number>;
  /** Maximum instances. Default 2. */
  readonly maxInstances?: pulumi.Input<number>;
  /** CPUs per instance: 1, 2, 4, 6 or 8 (always-on CPU needs whole CPUs). Default `1`. */
  readonly cpu?: pulumi.Input<string>;
  /** Memory per instance, such as `1Gi`. Default `1Gi`. */
  readonly memory?: pulumi.Input<string>;
  /**
   * JVM options (JAVA_TOOL_OPTIONS). Default: not set, so the image's own apply (docker/camunda sets a
   * heap of 60% of the memory limit, class-data sharing and C1-only compilation). Setting it replaces
   * them all, e.g. `-XX:MaxRAMPercentage=60` for an image without such defaults.
   */
  readonly javaToolOptions?: pulumi.Input<string>;
  /** Concurrent requests per instance. Default 80. */
  readonly concurrency?: pulumi.Input<number>;
  /** Request timeout in seconds (1 to 3600). Default 300. */
  readonly requestTimeoutSeconds?: pulumi.Input<number>;
  /**
   * Who may reach the service over the network: `all` (IAM still decides who may invoke),
   * `internal`, or `internal-and-load-balancer`. Default `all`: the echo function and Cloud
   * Scheduler call it from outside any VPC.
   */
  readonly ingress?: IngressName;
  /**
   * Allow unauthenticated invocations (an `allUsers` invoker). Default false. When true, Camunda's
   * basic authentication is switched on and a generated admin password is kept in Secret Manager.
   */
  readonly public?: boolean;
  /** Camunda REST authentication, `none` or `basic`. Default: `basic` when public, else `none`. */
  readonly restAuthentication?: 'none' | 'basic';
  /** Camunda admin user for basic authentication. Default `admin`. */
  readonly adminUser?: pulumi.Input<string>;
  /**
   * Deletion protection of the Cloud Run service and the Cloud SQL instance. Default false, so
   * `pulumi destroy` works on development stacks; set true for anything holding real data.
   */
  readonly deletionProtection?: boolean;
  /** Cloud SQL settings. */
  readonly database?: CamundaDatabaseArgs;
  /** Process engine settings. */
  readonly engine?: CamundaEngineSettings;
  /** More container environment variables (plain values only: secrets go through Secret Manager). */
  readonly environment?: Record<string, pulumi.Input<string>>;
  /** Pub/Sub topics (ids or names) the engine publishes to: it gets pubsub.publisher on each. */
  readonly publishTopics?: pulumi.Input<string>[];
  /**
   * Minutes between wake-up calls (Cloud Scheduler → /ready). Default 10. 0 switches them off.
   * Each call keeps an instance for up to ~15 idle minutes, billed with always-on CPU: below 15 the
   * engine practically never scales to zero; raise it (60, 120…) to save cost, at the price of
   * retries and timers that fall due while scaled to zero running that much later.
   */
  readonly wakeIntervalMinutes?: number;
  /** Cloud Scheduler region (not every region has it). Default: `region`. */
  readonly schedulerRegion?: pulumi.Input<string>;
  /** Enable the APIs this component needs. Default true. */
  readonly enableApis?: boolean;
  /** Labels for every resource that takes labels. */
  readonly labels?: Record<string, string>;
}

export const CAMUNDA_DEFAULTS = {
  minInstances: 0,
  maxInstances: 2,
  cpu: '1',
  memory: '1Gi',
  concurrency: 80,
  requestTimeoutSeconds: 300,
  ingress: 'all' as IngressName,
  adminUser: 'admin',
  deletionProtection: false,
  wakeIntervalMinutes: 10,
  databaseVersion: 'POSTGRES_16',
  databaseTier: 'db-f1-micro',
  databaseEdition: 'ENTERPRISE',
  databaseBackups: true,
  databaseAvailability: 'ZONAL',
  databaseDiskSizeGb: 10,
  databaseName: 'camunda',
  databaseUser: 'camunda',
  databasePoolSize: 5,
  publishRetryTimeCycle: 'R999999/PT30S',
  containerPort: 8080,
  readinessPath: '/ready',
} as const;

/** Environment variables the component sets itself; `environment` may not override them. */
const RESERVED_ENV = new Set([
  'PORT',
  'DB_TYPE',
  'CLOUD_SQL_INSTANCE',
  'DB_NAME',
  'DB_USER',
  'DB_PASSWORD',
  'DB_IAM_AUTH',
  'DB_POOL_SIZE',
  'REST_AUTH',
  'ADMIN_USER',
  'ADMIN_PASSWORD',
  'JAVA_TOOL_OPTIONS',
  'PUBLISH_RETRY_TIME_CYCLE',
  'REPUBLISH_AFTER',
  'JOB_RETRY_TIME_CYCLE',
  'HISTORY_LEVEL',
  'HISTORY_TIME_TO_LIVE',
  'HISTORY_CLEANUP_WINDOW',
  'JOB_LOCK_TIME_MS',
  'JOB_MAX_WAIT_MS',
]);
const SECRET_LIKE_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL/i;
const IMAGE_BY_DIGEST = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

// The checks that can run on plain values now and on Output values once they resolve.
const settingsSchema = z
  .object({
    project: z.string().regex(PROJECT_ID, 'must be a GCP project id (6 to 30 lowercase letters, digits, hyphens)'),
    region: z.string().regex(REGION, 'must be a GCP region such as europe-west1 or us-central1'),
    schedulerRegion: z.string().regex(REGION, 'must be a GCP region such as europe-west1'),
    minInstances: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(1000, 'must be at most 1000'),
    maxInstances: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1000, 'must be at most 1000'),
    cpu: z.enum(CPU_VALUES, `must be one of ${CPU_VALUES.join(', ')} (always-on CPU needs whole CPUs)`),
    memory: z.string().regex(MEMORY, "must be a size such as '512Mi' or '1Gi'"),
    concurrency: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
    requestTimeoutSeconds: z.number().int().min(1, 'must be at least 1').max(3600, 'must be at most 3600'),
    image: z
      .string()
      .regex(
        IMAGE_BY_DIGEST,
        'must reference the image by digest (…@sha256:<64 hex digits>) so every change rolls out a new revision',
      ),
    databaseVersion: z.string().regex(/^POSTGRES_\d+$/, 'must be a PostgreSQL version such as POSTGRES_16'),
    databaseTier: z
      .string()
      .regex(/^db-[a-z0-9-]+$/, 'must be a Cloud SQL tier such as db-f1-micro or db-custom-1-3840'),
    databaseDiskSizeGb: z.number().int().min(10, 'must be at least 10'),
    databasePoolSize: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'),
    publishRetryTimeCycle: z
      .string()
      .refine(isRetryTimeCycle, 'must be a retry cycle such as R999999/PT30S, R/PT1M or PT1M,PT5M'),
    republishAfter: z
      .string()
      .refine(isRepublishDelay, 'must be a duration of at least one second such as PT5M or PT30S'),
    jobRetryTimeCycle: z.string().refine(isRetryTimeCycle, 'must be a retry cycle such as R5/PT1M or PT1M,PT5M'),
    historyLevel: z.enum(HISTORY_LEVELS, `must be one of ${HISTORY_LEVELS.join(', ')}`),
    historyTimeToLive: z
      .string()
      .refine(isDayTimeDuration, 'must be a duration in days, hours, minutes, seconds such as P1D or PT12H'),
    historyCleanupWindow: z.string().regex(CLEANUP_WINDOW, 'must be a window HH:mm-HH:mm such as 00:00-23:59'),
    jobLockTimeMs: z.number().int().min(1000, 'must be at least 1000'),
    jobMaxWaitMs: z.number().int().min(1, 'must be at least 1'),
  })
  .partial()
  .superRefine((value, ctx) => {
    if (
      value.minInstances !== undefined &&
      value.maxInstances !== undefined &&
      value.minInstances > value.maxInstances
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['minInstances'],
        message: `(${value.minInstances}) must not exceed maxInstances (${value.maxInstances}): lower minInstances or raise maxInstances`,
      });
    }
  });
type Settings = z.output<typeof settingsSchema>;

/** The value of an Input if it is already known (not an Output or a Promise). */
function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  if (value === undefined || pulumi.Output.isInstance(value) || value instanceof Promise) return undefined;
  return value as T;
}

/**
 * Validates what is known now (so a bad value fails the preview with a clear message) and returns
 * the settings as an Output that validates the rest once resolved.
 */
function checkSettings(
  name: string,
  inputs: { [K in keyof Settings]?: pulumi.Input<Settings[K]> },
): pulumi.Output<Settings> {
  const context = `CamundaServerless '${name}': invalid arguments`;
  const now: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    const plain = known(value);
    if (plain !== undefined) now[key] = plain;
  }
  parseOrThrow(settingsSchema, now, context, '');
  return pulumi.output(inputs).apply((resolved) => {
    const defined = Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined));
    return parseOrThrow(settingsSchema, defined, context, '');
  }) as pulumi.Output<Settings>;
}

function fail(name: string, message: string): never {
  throw new ConfigurationError(`CamundaServerless '${name}': ${message}`);
}

export class CamundaServerless extends pulumi.ComponentResource implements EngineEndpoint {
  /** Base URL of the engine (`https://…run.app`). */
  public readonly url: pulumi.Output<string>;
  /** Message correlation endpoint: `url` + `/engine-rest/message`. */
  public readonly messageUrl: pulumi.Output<string>;
  /** The engine's service account. */
  public readonly serviceAccountEmail: pulumi.Output<string>;
  /** Cloud SQL connection name `project:region:instance`. */
  public readonly databaseConnectionName: pulumi.Output<string>;
  /** The image the service runs, by digest. */
  public readonly imageDigest: pulumi.Output<string>;
  /** Cloud Run service name. */
  public readonly serviceName: pulumi.Output<string>;
  /** Region of the service. */
  public readonly location: pulumi.Output<string>;
  /** Project of the service. */
  public readonly project: pulumi.Output<string>;
  /** Secret Manager secret (resource id) holding the database password. */
  public readonly databasePasswordSecret: pulumi.Output<string>;
  /** Basic-auth credentials when Camunda authentication is on, else undefined. */
  public readonly basicAuth: EngineBasicAuth | undefined;
  /** The Cloud Run service. */
  public readonly service: gcp.cloudrunv2.Service;
  /** The Cloud SQL instance. */
  public readonly databaseInstance: gcp.sql.DatabaseInstance;
  /** The engine's service account. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  /** The wake-up job, unless switched off. */
  public readonly wakeJob: gcp.cloudscheduler.Job | undefined;

  constructor(name: string, args: CamundaServerlessArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super('camunda-serverless:index:CamundaServerless', name, {}, opts);

    // ---- Arguments: defaults and checks before any resource exists --------------------------
    const project = args.project ?? gcp.config.project;
    if (project === undefined) fail(name, 'no project: set gcp:project or pass project');
    const region = args.region ?? gcp.config.region;
    if (region === undefined) fail(name, 'no region: set gcp:region or pass region');
    const prefix = args.namePrefix ?? sanitizePrefix(name);
    if (!NAME_PREFIX.test(prefix)) {
      fail(name, `namePrefix '${prefix}' must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter`);
    }
    if (args.image !== undefined && args.build !== undefined) {
      fail(name, 'image and build conflict: give a ready image by digest, or build settings, not both');
    }
    const isPublic = args.public ?? false;
    const restAuth = args.restAuthentication ?? (isPublic ? 'basic' : 'none');
    if (isPublic && restAuth !== 'basic') {
      fail(
        name,
        "public: true needs restAuthentication 'basic': a public engine without Camunda authentication is open to anyone",
      );
    }
    const ingress = args.ingress ?? CAMUNDA_DEFAULTS.ingress;
    if (!(ingress in INGRESS))
      fail(name, `ingress must be one of ${Object.keys(INGRESS).join(', ')}, got '${String(ingress)}'`);
    const wakeMinutes = args.wakeIntervalMinutes ?? CAMUNDA_DEFAULTS.wakeIntervalMinutes;
    let schedule: string | undefined;
    try {
      schedule = wakeSchedule(wakeMinutes);
    } catch (err) {
      fail(name, `wakeIntervalMinutes ${(err as Error).message}`);
    }
    for (const key of Object.keys(args.environment ?? {})) {
      if (RESERVED_ENV.has(key))
        fail(name, `environment.${key} is set by the component; use the matching argument instead`);
      if (SECRET_LIKE_NAME.test(key)) {
        fail(
          name,
          `environment.${key} looks like a secret: secrets must come from Secret Manager, not plain environment variables`,
        );
      }
    }
    const db = args.database ?? {};
    const engine = args.engine ?? {};
    const settings = checkSettings(name, {
      project,
      region,
      schedulerRegion: args.schedulerRegion,
      minInstances: args.minInstances ?? CAMUNDA_DEFAULTS.minInstances,
      maxInstances: args.maxInstances ?? CAMUNDA_DEFAULTS.maxInstances,
      cpu: (args.cpu ?? CAMUNDA_DEFAULTS.cpu) as pulumi.Input<Settings['cpu']>,
      memory: args.memory ?? CAMUNDA_DEFAULTS.memory,
      concurrency: args.concurrency ?? CAMUNDA_DEFAULTS.concurrency,
      requestTimeoutSeconds: args.requestTimeoutSeconds ?? CAMUNDA_DEFAULTS.requestTimeoutSeconds,
      image: args.image,
      databaseVersion: db.version ?? CAMUNDA_DEFAULTS.databaseVersion,
      databaseTier: db.tier ?? CAMUNDA_DEFAULTS.databaseTier,
      databaseDiskSizeGb: db.diskSizeGb ?? CAMUNDA_DEFAULTS.databaseDiskSizeGb,
      databasePoolSize: db.poolSize ?? CAMUNDA_DEFAULTS.databasePoolSize,
      publishRetryTimeCycle: engine.publishRetryTimeCycle ?? CAMUNDA_DEFAULTS.publishRetryTimeCycle,
      republishAfter: engine.republishAfter,
      jobRetryTimeCycle: engine.jobRetryTimeCycle,
      historyLevel: engine.historyLevel as pulumi.Input<Settings['historyLevel']> | undefined,
      historyTimeToLive: engine.historyTimeToLive,
      historyCleanupWindow: engine.historyCleanupWindow,
      jobLockTimeMs: engine.jobLockTimeMs,
      jobMaxWaitMs: engine.jobMaxWaitMs,
    });
    const setting = <K extends keyof Settings>(
      key: K,
      fallback: NonNullable<Settings[K]>,
    ): pulumi.Output<NonNullable<Settings[K]>> =>
      settings.apply((v) => (v[key] ?? fallback) as NonNullable<Settings[K]>);
    const deletionProtection = args.deletionProtection ?? CAMUNDA_DEFAULTS.deletionProtection;
    const labels = { app: 'camunda-serverless', 'managed-by': 'pulumi', ...(args.labels ?? {}) };
    const parent = { parent: this };

    // ---- APIs ------------------------------------------------------------------------------------
    const apiNames = ['run', 'sqladmin', 'secretmanager', 'iam'];
    if (args.image === undefined) apiNames.push('artifactregistry');
    if (schedule !== undefined) apiNames.push('cloudscheduler');
    const apis =
      args.enableApis === false
        ? []
        : apiNames.map(
            (api) =>
              new gcp.projects.Service(
                `${name}-api-${api}`,
                { project, service: `${api}.googleapis.com`, disableOnDestroy: false, disableDependentServices: false },
                parent,
              ),
          );
    const afterApis = { parent: this, dependsOn: apis };

    // ---- Identity --------------------------------------------------------------------------------
    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project,
        accountId: `${prefix}-engine`,
        displayName: 'Camunda engine (camunda-serverless)',
        description: `Runs the ${prefix}-engine Cloud Run service`,
      },
      afterApis,
    );
    const engineMember = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
    // Cloud SQL has no per-instance IAM: connecting needs cloudsql.client on the project.
    const sqlClient = new gcp.projects.IAMMember(
      `${name}-cloudsql-client`,
      { project, role: 'roles/cloudsql.client', member: engineMember },
      parent,
    );
    (args.publishTopics ?? []).forEach((topic, index) => {
      const plain = known(topic);
      const suffix = plain !== undefined ? sanitizePrefix(plain.split('/').pop() ?? plain, 40) : String(index);
      new gcp.pubsub.TopicIAMMember(
        `${name}-publish-${suffix}`,
        { project, topic, role: 'roles/pubsub.publisher', member: engineMember },
        parent,
      );
    });

    // ---- Database --------------------------------------------------------------------------------
    this.databaseInstance = new gcp.sql.DatabaseInstance(
      `${name}-db`,
      {
        project,
        region,
        databaseVersion: setting('databaseVersion', CAMUNDA_DEFAULTS.databaseVersion),
        deletionProtection,
        settings: {
          tier: setting('databaseTier', CAMUNDA_DEFAULTS.databaseTier),
          edition: db.edition ?? CAMUNDA_DEFAULTS.databaseEdition,
          availabilityType: db.availabilityType ?? CAMUNDA_DEFAULTS.databaseAvailability,
          diskSize: setting('databaseDiskSizeGb', CAMUNDA_DEFAULTS.databaseDiskSizeGb),
          diskAutoresize: true,
          deletionProtectionEnabled: deletionProtection,
          // Public IP without authorized networks: only Cloud SQL connectors (the socket factory,
          // Cloud Run's /cloudsql mount) get in, always over TLS.
          ipConfiguration: { ipv4Enabled: true, sslMode: 'ENCRYPTED_ONLY', authorizedNetworks: [] },
          connectorEnforcement: 'REQUIRED',
          backupConfiguration: pulumi.output(db.backups ?? CAMUNDA_DEFAULTS.databaseBackups).apply((enabled) => ({
            enabled,
            pointInTimeRecoveryEnabled: enabled,
          })),
          userLabels: labels,
        },
      },
      afterApis,
    );
    const database = new gcp.sql.Database(
      `${name}-database`,
      // Dropping the instance drops the database; deleting it first fails while connections linger.
      {
        project,
        instance: this.databaseInstance.name,
        name: db.name ?? CAMUNDA_DEFAULTS.databaseName,
        deletionPolicy: 'ABANDON',
      },
      parent,
    );
    const dbPassword = new random.RandomPassword(
      `${name}-db-password`,
      // Letters and digits only: nothing for JDBC URLs or Spring placeholders (`${…}`) to mangle.
      { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 },
      parent,
    );
    const dbUser = new gcp.sql.User(
      `${name}-db-user`,
      // PostgreSQL will not drop a user that owns the engine's tables; the instance goes anyway.
      {
        project,
        instance: this.databaseInstance.name,
        name: db.user ?? CAMUNDA_DEFAULTS.databaseUser,
        password: dbPassword.result,
        deletionPolicy: 'ABANDON',
      },
      parent,
    );
    const dbSecret = this.secret(
      name,
      prefix,
      'db-password',
      dbPassword.result,
      engineMember,
      project,
      labels,
      afterApis,
    );

    let adminSecret:
      { secretId: pulumi.Output<string>; version: pulumi.Output<string>; access: pulumi.Resource } | undefined;
    let adminPassword: random.RandomPassword | undefined;
    const adminUser = args.adminUser ?? CAMUNDA_DEFAULTS.adminUser;
    if (restAuth === 'basic') {
      adminPassword = new random.RandomPassword(
        `${name}-admin-password`,
        { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 },
        parent,
      );
      adminSecret = this.secret(
        name,
        prefix,
        'admin-password',
        adminPassword.result,
        engineMember,
        project,
        labels,
        afterApis,
      );
    }

    // ---- Image ---------------------------------------------------------------------------------
    let image: pulumi.Output<string>;
    if (args.image !== undefined) {
      image = settings.apply((v) => v.image ?? fail(name, 'image resolved to nothing'));
    } else {
      const repository = new gcp.artifactregistry.Repository(
        `${name}-images`,
        {
          project,
          location: region,
          repositoryId: `${prefix}-images`,
          format: 'DOCKER',
          description: 'Camunda engine images (camunda-serverless)',
          labels,
          // Keep the recent images (the running revision's among them), drop the rest after 30 days.
          cleanupPolicies: [
            { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
            { id: 'delete-old', action: 'DELETE', condition: { olderThan: '2592000s' } },
          ],
        },
        afterApis,
      );
      const registry = pulumi.interpolate`${region}-docker.pkg.dev`;
      const context = args.build?.context ?? defaultEngineBuildContext();
      const built = new docker.Image(
        `${name}-image`,
        {
          imageName: pulumi.interpolate`${registry}/${repository.project}/${repository.repositoryId}/camunda-engine:latest`,
          build: {
            context,
            dockerfile: args.build?.dockerfile ?? path.join(context, 'docker', 'camunda', 'Dockerfile'),
            platform: args.build?.platform ?? 'linux/amd64',
          },
          // The deployer's own access token: no key files, and it works wherever gcloud/ADC works.
          registry: {
            server: registry,
            username: 'oauth2accesstoken',
            password: pulumi.secret(gcp.organizations.getClientConfigOutput(parent).accessToken),
          },
          buildOnPreview: false,
          skipPush: false,
        },
        parent,
      );
      image = built.repoDigest;
    }

    // ---- Cloud Run service -----------------------------------------------------------------------
    const env: pulumi.Input<gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv>[] = [
      { name: 'DB_TYPE', value: 'postgres' },
      { name: 'CLOUD_SQL_INSTANCE', value: this.databaseInstance.connectionName },
      { name: 'DB_NAME', value: database.name },
      { name: 'DB_USER', value: dbUser.name },
      { name: 'DB_PASSWORD', valueSource: { secretKeyRef: { secret: dbSecret.secretId, version: dbSecret.version } } },
      { name: 'DB_IAM_AUTH', value: 'false' },
      { name: 'DB_POOL_SIZE', value: setting('databasePoolSize', CAMUNDA_DEFAULTS.databasePoolSize).apply(String) },
      { name: 'REST_AUTH', value: restAuth },
      {
        name: 'PUBLISH_RETRY_TIME_CYCLE',
        value: setting('publishRetryTimeCycle', CAMUNDA_DEFAULTS.publishRetryTimeCycle),
      },
    ];
    if (args.javaToolOptions !== undefined) env.push({ name: 'JAVA_TOOL_OPTIONS', value: args.javaToolOptions });
    if (adminSecret) {
      env.push({ name: 'ADMIN_USER', value: adminUser });
      env.push({
        name: 'ADMIN_PASSWORD',
        valueSource: { secretKeyRef: { secret: adminSecret.secretId, version: adminSecret.version } },
      });
    }
    const optionalEnv: [string, pulumi.Input<string | number> | undefined, keyof Settings][] = [
      ['REPUBLISH_AFTER', engine.republishAfter, 'republishAfter'],
      ['JOB_RETRY_TIME_CYCLE', engine.jobRetryTimeCycle, 'jobRetryTimeCycle'],
      ['HISTORY_LEVEL', engine.historyLevel, 'historyLevel'],
      ['HISTORY_TIME_TO_LIVE', engine.historyTimeToLive, 'historyTimeToLive'],
      ['HISTORY_CLEANUP_WINDOW', engine.historyCleanupWindow, 'historyCleanupWindow'],
      ['JOB_LOCK_TIME_MS', engine.jobLockTimeMs, 'jobLockTimeMs'],
      ['JOB_MAX_WAIT_MS', engine.jobMaxWaitMs, 'jobMaxWaitMs'],
    ];
    for (const [envName, value, key] of optionalEnv) {
      if (value !== undefined) env.push({ name: envName, value: settings.apply((s) => String(s[key])) });
    }
    for (const [envName, value] of Object.entries(args.environment ?? {})) env.push({ name: envName, value });

    const serviceLabels: Record<string, string> = { ...labels };
    // The policy pack allows an allUsers invoker only on services that carry this label.
    if (isPublic) serviceLabels['public-invoker'] = 'opted-in';

    const secretAccess = [dbSecret.access, ...(adminSecret ? [adminSecret.access] : [])];
    this.service = new gcp.cloudrunv2.Service(
      `${name}-service`,
      {
        project,
        location: region,
        name: `${prefix}-engine`,
        description: 'Camunda 7 process engine (camunda-serverless)',
        ingress: INGRESS[ingress],
        deletionProtection,
        invokerIamDisabled: false,
        labels: serviceLabels,
        template: {
          serviceAccount: this.serviceAccount.email,
          executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          timeout: setting('requestTimeoutSeconds', CAMUNDA_DEFAULTS.requestTimeoutSeconds).apply((v) => `${v}s`),
          maxInstanceRequestConcurrency: setting('concurrency', CAMUNDA_DEFAULTS.concurrency),
          scaling: {
            minInstanceCount: setting('minInstances', CAMUNDA_DEFAULTS.minInstances),
            maxInstanceCount: setting('maxInstances', CAMUNDA_DEFAULTS.maxInstances),
          },
          volumes: [{ name: 'cloudsql', cloudSqlInstance: { instances: [this.databaseInstance.connectionName] } }],
          containers: [
            {
              name: 'engine',
              image,
              ports: { containerPort: CAMUNDA_DEFAULTS.containerPort },
              envs: env,
              resources: {
                limits: {
                  cpu: setting('cpu', CAMUNDA_DEFAULTS.cpu),
                  memory: setting('memory', CAMUNDA_DEFAULTS.memory),
                },
                // Always-on CPU: the job executor runs between requests (request-based CPU starves it).
                cpuIdle: false,
                startupCpuBoost: true,
              },
              // Up to 4 minutes for the JVM, the schema check and the BPMN deployment.
              startupProbe: {
                httpGet: { path: CAMUNDA_DEFAULTS.readinessPath, port: CAMUNDA_DEFAULTS.containerPort },
                initialDelaySeconds: 0,
                periodSeconds: 5,
                timeoutSeconds: 3,
                failureThreshold: 48,
              },
              volumeMounts: [{ name: 'cloudsql', mountPath: '/cloudsql' }],
            },
          ],
        },
      },
      // The first revision must be able to read its secrets and reach the database.
      { parent: this, dependsOn: [...apis, sqlClient, ...secretAccess, dbUser, database] },
    );

    if (isPublic) {
      new gcp.cloudrunv2.ServiceIamMember(
        `${name}-public-invoker`,
        { project, location: region, name: this.service.name, role: 'roles/run.invoker', member: 'allUsers' },
        parent,
      );
    }

    // ---- Wake-up job ---------------------------------------------------------------------------
    this.url = this.service.uri;
    if (schedule !== undefined) {
      const wakeAccount = new gcp.serviceaccount.Account(
        `${name}-wake-sa`,
        { project, accountId: `${prefix}-wake`, displayName: 'Camunda engine wake-up (camunda-serverless)' },
        afterApis,
      );
      const wakeInvoker = new gcp.cloudrunv2.ServiceIamMember(
        `${name}-wake-invoker`,
        {
          project,
          location: region,
          name: this.service.name,
          role: 'roles/run.invoker',
          member: pulumi.interpolate`serviceAccount:${wakeAccount.email}`,
        },
        parent,
      );
      this.wakeJob = new gcp.cloudscheduler.Job(
        `${name}-wake`,
        {
          project,
          region: args.schedulerRegion ?? region,
          name: `${prefix}-wake`,
          description: 'Wakes the Camunda engine so due job retries and timers run after it scaled to zero',
          schedule,
          timeZone: 'Etc/UTC',
          // A cold start (JVM, database, deployment) can take minutes; the request waits for it.
          attemptDeadline: '320s',
          retryConfig: { retryCount: 1, minBackoffDuration: '30s' },
          httpTarget: {
            uri: pulumi.interpolate`${this.service.uri}${CAMUNDA_DEFAULTS.readinessPath}`,
            httpMethod: 'GET',
            oidcToken: { serviceAccountEmail: wakeAccount.email, audience: this.service.uri },
          },
        },
        { parent: this, dependsOn: [...apis, wakeInvoker] },
      );
    } else {
      this.wakeJob = undefined;
    }

    // ---- Outputs -------------------------------------------------------------------------------
    this.messageUrl = pulumi.interpolate`${this.service.uri}/engine-rest/message`;
    this.serviceAccountEmail = this.serviceAccount.email;
    this.databaseConnectionName = this.databaseInstance.connectionName;
    this.imageDigest = image;
    this.serviceName = this.service.name;
    this.location = this.service.location;
    this.project = this.service.project;
    this.databasePasswordSecret = dbSecret.id;
    this.basicAuth =
      adminSecret && adminPassword
        ? {
            user: adminUser,
            passwordSecretId: adminSecret.secretId,
            passwordSecretVersion: adminSecret.version,
            password: adminPassword.result,
          }
        : undefined;

    // Only non-secret values: component outputs end up in the state and in `pulumi stack` views.
    this.registerOutputs({
      url: this.url,
      messageUrl: this.messageUrl,
      serviceAccountEmail: this.serviceAccountEmail,
      databaseConnectionName: this.databaseConnectionName,
      imageDigest: this.imageDigest,
      serviceName: this.serviceName,
      location: this.location,
      project: this.project,
      databasePasswordSecret: this.databasePasswordSecret,
    });
  }

  /** A Secret Manager secret holding `value`, readable by the engine's service account only. */
  private secret(
    name: string,
    prefix: string,
    what: string,
    value: pulumi.Input<string>,
    reader: pulumi.Input<string>,
    project: pulumi.Input<string>,
    labels: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
  ): {
    id: pulumi.Output<string>;
    secretId: pulumi.Output<string>;
    version: pulumi.Output<string>;
    access: pulumi.Resource;
  } {
    const secret = new gcp.secretmanager.Secret(
      `${name}-${what}-secret`,
      { project, secretId: `${prefix}-${what}`, replication: { auto: {} }, labels },
      opts,
    );
    const version = new gcp.secretmanager.SecretVersion(
      `${name}-${what}-version`,
      { secret: secret.id, secretData: pulumi.secret(value) },
      { parent: this },
    );
    const access = new gcp.secretmanager.SecretIamMember(
      `${name}-${what}-access`,
      { project, secretId: secret.secretId, role: 'roles/secretmanager.secretAccessor', member: reader },
      { parent: this },
    );
    return { id: secret.id, secretId: secret.secretId, version: version.version, access };
  }
}
