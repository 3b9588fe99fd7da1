// The arguments of CamundaServerless and their defaults. Every argument is documented here; the
// checks are in resolve-args.ts.

import type * as pulumi from '@pulumi/pulumi';
import { engineSettingDefault } from '../engine-settings';
import type { IngressName } from '../validation';
import type { EngineCaller } from './callers';

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
   * JDBC connections per engine instance, 1 to 100. Default 5, not the engine's 10, so that the default
   * two instances fit db-f1-micro. Keep maxInstances × poolSize below the tier's connection limit
   * (db-f1-micro allows 25, a few of which Cloud SQL keeps for itself).
   */
  readonly poolSize?: pulumi.Input<number>;
}

/** Process engine settings, passed to the container as environment variables. */
export interface CamundaEngineSettings {
  /**
   * `failedJobRetryTimeCycle` of the publish step. Default: the engine's, `R999999/PT30S` (retry
   * practically forever), set explicitly.
   */
  readonly publishRetryTimeCycle?: pulumi.Input<string>;
  /**
   * How long PushTask waits for a reply before it publishes the same request again (`REPUBLISH_AFTER`), an
   * ISO duration of at least one second. It brings back a request lost after Pub/Sub accepted it, such
   * as a dead-lettered one. Default: the engine's own, `PT5M`.
   */
  readonly republishAfter?: pulumi.Input<string>;
  /** Engine-wide default `failedJobRetryTimeCycle`, such as `R5/PT1M`. Default: the engine's own, `R3/PT10S`. */
  readonly jobRetryTimeCycle?: pulumi.Input<string>;
  /**
   * History level: none, activity, audit or full. Default: the engine's own, `none`, the only level at
   * which an endless echo loop leaves the database flat (bpmn/README.md). A database keeps the level it
   * was set up with: changing it later stops the engine at start-up until the database is switched too.
   */
  readonly historyLevel?: pulumi.Input<string>;
  /**
   * History time to live, an ISO duration in days, hours, minutes and seconds (`P7D`, `PT12H`; no
   * years, months, weeks or plain numbers of days). Default: the engine's own, `P1D`.
   */
  readonly historyTimeToLive?: pulumi.Input<string>;
  /** History cleanup batch window `HH:mm-HH:mm`. Default: the engine's own, `00:00-23:59`. */
  readonly historyCleanupWindow?: pulumi.Input<string>;
  /**
   * Job lock time in ms (how long a killed instance's jobs stay locked), 1000 to 86400000. Default: the
   * engine's own, 25000.
   */
  readonly jobLockTimeMs?: pulumi.Input<number>;
  /**
   * Longest wait between job acquisitions in ms (how late due jobs are found), 1 to 3600000: the engine
   * also takes 0, a job executor that never pauses. Default: the engine's own, 5000.
   */
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
  /**
   * Camunda REST authentication: `google` (each request's Google ID token is checked, and only
   * `callers` and `operators` get in, each to its paths), `basic` (Camunda users) or `none` (every
   * principal with run.invoker has the whole REST API). Default: `basic` when public; `google` when
   * `callers` or `operators` are given; otherwise `none` (with a warning).
   */
  readonly restAuthentication?: 'none' | 'basic' | 'google';
  /**
   * Who may call the REST API with restAuthentication `google`, and which paths: permissions
   * `<METHOD> /path`, `<METHOD> /prefix/*` or `*`. The echo function needs `POST /engine-rest/message`
   * (see `echoFunctionCaller`). Paths outside /engine-rest (such as /ready) stay open to run.invoker.
   */
  readonly callers?: readonly EngineCaller[];
  /** E-mails that may call the whole REST API with restAuthentication `google` (permission `*`). */
  readonly operators?: readonly pulumi.Input<string>[];
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

/** An engine default the component sets explicitly (docker/camunda/engine-settings.json). */
function engineDefault(envName: string): string {
  const value = engineSettingDefault(envName);
  if (value === undefined) throw new Error(`engine settings: ${envName} has no default to start from`);
  return value;
}

/** The defaults of the arguments; the engine's own come from its settings catalogue. */
export const CAMUNDA_DEFAULTS = {
  minInstances: 0,
  maxInstances: 2,
  cpu: '1',
  memory: '1Gi',
  concurrency: 80,
  requestTimeoutSeconds: 300,
  ingress: 'all' as IngressName,
  adminUser: engineDefault('ADMIN_USER'),
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
  // Not the engine's 10: two instances of 10 would exceed db-f1-micro's 25 connections (a few reserved).
  databasePoolSize: 5,
  publishRetryTimeCycle: engineDefault('PUBLISH_RETRY_TIME_CYCLE'),
  containerPort: 8080,
  readinessPath: '/ready',
} as const;
