// CamundaServerless's arguments turned into one fully-defaulted record, checked before any resource
// exists. Every decision the steps would otherwise take on raw arguments is taken here, so it can be
// tested without Pulumi. Settings that may be Outputs are checked as far as they are known now and
// again once they resolve (checkedEngineSettings).

import type * as pulumi from '@pulumi/pulumi';
import { checkWhenResolved, known, problemsNow, type SettingInputs } from '../shared/inputs';
import {
  INGRESS,
  type IngressName,
  isSecretName,
  NAME_PREFIX,
  sanitizePrefix,
  throwIfProblems,
  wakeSchedule,
} from '../validation';
import {
  CAMUNDA_DEFAULTS,
  type CamundaEngineSettings,
  type CamundaImageBuildArgs,
  type CamundaServerlessArgs,
} from './args';
import { callerProblems, CALLER_EMAIL, EMAIL_RULE, type EngineCaller } from './callers';
import { type EngineSettingValues, RESERVED_ENV, settingsSchema } from './settings-schema';

/** The provider's defaults (`gcp:project`, `gcp:region`), used when the arguments give none. */
export interface ProviderConfig {
  readonly project?: string | undefined;
  readonly region?: string | undefined;
}

/** Cloud SQL settings that are not checked (the provider checks them), with defaults applied. */
export interface ResolvedDatabaseArgs {
  readonly edition: pulumi.Input<'ENTERPRISE' | 'ENTERPRISE_PLUS'>;
  readonly availabilityType: pulumi.Input<'ZONAL' | 'REGIONAL'>;
  readonly backups: pulumi.Input<boolean>;
  readonly name: pulumi.Input<string>;
  readonly user: pulumi.Input<string>;
}

/** Every argument of CamundaServerless with its default applied; see CamundaServerlessArgs. */
export interface ResolvedCamundaServerlessArgs {
  /** The component's name: every child's name starts with it. */
  readonly name: string;
  readonly project: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  /** Region of the wake-up job: `schedulerRegion`, else `region`. */
  readonly schedulerRegion: pulumi.Input<string>;
  /** Prefix of physical names. */
  readonly prefix: string;
  readonly public: boolean;
  readonly restAuthentication: 'none' | 'basic' | 'google';
  /** Who may call which REST paths (read with restAuthentication `google`). */
  readonly callers: readonly EngineCaller[];
  /** E-mails with every REST permission (read with restAuthentication `google`). */
  readonly operators: readonly pulumi.Input<string>[];
  readonly adminUser: pulumi.Input<string>;
  readonly ingress: IngressName;
  /** Cron schedule of the wake-up job; undefined when it is switched off. */
  readonly wakeSchedule: string | undefined;
  readonly deletionProtection: boolean;
  readonly enableApis: boolean;
  /** Labels of every resource that takes labels, the component's own first. */
  readonly labels: Record<string, string>;
  /** A ready image by digest; undefined: build one from `build`. */
  readonly image: pulumi.Input<string> | undefined;
  /** Build settings as given (the context's default is looked up only when building). */
  readonly build: CamundaImageBuildArgs;
  readonly javaToolOptions: pulumi.Input<string> | undefined;
  readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
  readonly publishTopics: readonly pulumi.Input<string>[];
  readonly database: ResolvedDatabaseArgs;
  /** Engine settings as given: the ones left undefined keep the engine's own default. */
  readonly engine: CamundaEngineSettings;
  /** The settings that may be Outputs, defaults applied, for checkedEngineSettings. */
  readonly settings: SettingInputs<EngineSettingValues>;
}

/** Problems with the arguments that decide which resources exist (all plain values). */
function structuralProblems(name: string, args: CamundaServerlessArgs, config: ProviderConfig): string[] {
  const problems: string[] = [];
  if ((args.project ?? config.project) === undefined) problems.push('no project: set gcp:project or pass project');
  if ((args.region ?? config.region) === undefined) problems.push('no region: set gcp:region or pass region');
  const prefix = args.namePrefix ?? sanitizePrefix(name);
  if (!NAME_PREFIX.test(prefix)) {
    problems.push(
      `namePrefix '${prefix}' must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  if (args.image !== undefined && args.build !== undefined) {
    problems.push('image and build conflict: give a ready image by digest, or build settings, not both');
  }
  if ((args.public ?? false) && (args.restAuthentication ?? 'basic') !== 'basic') {
    problems.push(
      "public: true needs restAuthentication 'basic': a public engine without Camunda authentication is open to anyone",
    );
  }
  problems.push(...restCallerProblems(args));
  const ingress = args.ingress ?? CAMUNDA_DEFAULTS.ingress;
  if (!(ingress in INGRESS)) {
    problems.push(`ingress must be one of ${Object.keys(INGRESS).join(', ')}, got '${String(ingress)}'`);
  }
  try {
    wakeSchedule(args.wakeIntervalMinutes ?? CAMUNDA_DEFAULTS.wakeIntervalMinutes);
  } catch (err) {
    problems.push(`wakeIntervalMinutes ${(err as Error).message}`);
  }
  for (const key of Object.keys(args.environment ?? {})) {
    if (RESERVED_ENV.has(key))
      problems.push(`environment.${key} is set by the component; use the matching argument instead`);
    else if (isSecretName(key)) {
      problems.push(
        `environment.${key} looks like a secret: secrets must come from Secret Manager, not plain environment variables`,
      );
    }
  }
  return problems;
}

/**
 * The REST authentication an engine gets unless one is given: `basic` when public; `google` when
 * callers or operators are listed (only they get in); otherwise `none`, with a warning.
 */
function restAuthenticationOf(args: CamundaServerlessArgs): 'none' | 'basic' | 'google' {
  if (args.restAuthentication !== undefined) return args.restAuthentication;
  if (args.public ?? false) return 'basic';
  return (args.callers ?? []).length + (args.operators ?? []).length > 0 ? 'google' : 'none';
}

/** Said when a private engine lets every principal with run.invoker use its whole REST API. */
export const OPEN_REST_WARNING =
  "restAuthentication is 'none': every principal with run.invoker on the engine may use its whole REST API " +
  '(deployments with scripts included); list callers or operators to let only them in, each to its paths';

/** Problems with callers and operators: their syntax, and a `google` engine nobody may call. */
function restCallerProblems(args: CamundaServerlessArgs): string[] {
  const problems: string[] = [];
  (args.callers ?? []).forEach((caller, i) => {
    problems.push(...callerProblems(`callers[${i}]`, known(caller?.email), caller?.permissions));
  });
  (args.operators ?? []).forEach((operator, i) => {
    const email = known(operator);
    if (email !== undefined && !CALLER_EMAIL.test(email)) problems.push(`operators[${i}]: '${email}' ${EMAIL_RULE}`);
  });
  const nobody = (args.callers ?? []).length === 0 && (args.operators ?? []).length === 0;
  if (restAuthenticationOf(args) === 'google' && nobody) {
    problems.push(
      "callers, operators: restAuthentication 'google' lets only the identities listed call the REST API, and " +
        'none are: pass operators (e-mails with every permission) or callers, or leave restAuthentication unset',
    );
  }
  return problems;
}

/** The settings that may be Outputs, defaults applied. */
function settingInputs(
  args: CamundaServerlessArgs,
  project: pulumi.Input<string> | undefined,
  region: pulumi.Input<string> | undefined,
): SettingInputs<EngineSettingValues> {
  const db = args.database ?? {};
  const engine = args.engine ?? {};
  return {
    project,
    region,
    schedulerRegion: args.schedulerRegion,
    minInstances: args.minInstances ?? CAMUNDA_DEFAULTS.minInstances,
    maxInstances: args.maxInstances ?? CAMUNDA_DEFAULTS.maxInstances,
    cpu: (args.cpu ?? CAMUNDA_DEFAULTS.cpu) as pulumi.Input<EngineSettingValues['cpu']>,
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
    historyLevel: engine.historyLevel as pulumi.Input<EngineSettingValues['historyLevel']> | undefined,
    historyTimeToLive: engine.historyTimeToLive,
    historyCleanupWindow: engine.historyCleanupWindow,
    jobLockTimeMs: engine.jobLockTimeMs,
    jobMaxWaitMs: engine.jobMaxWaitMs,
  };
}

/**
 * Applies every default of CamundaServerless and checks what can be checked now. Throws one
 * ConfigurationError listing every problem, each naming its argument.
 */
export function resolveCamundaServerlessArgs(
  name: string,
  args: CamundaServerlessArgs,
  providerConfig: ProviderConfig,
): ResolvedCamundaServerlessArgs {
  const project = args.project ?? providerConfig.project;
  const region = args.region ?? providerConfig.region;
  const settings = settingInputs(args, project, region);
  throwIfProblems(`CamundaServerless '${name}': invalid arguments`, [
    ...structuralProblems(name, args, providerConfig),
    ...problemsNow(settingsSchema, settings),
  ]);
  const isPublic = args.public ?? false;
  const db = args.database ?? {};
  return {
    name,
    project: project as pulumi.Input<string>,
    region: region as pulumi.Input<string>,
    schedulerRegion: args.schedulerRegion ?? (region as pulumi.Input<string>),
    prefix: args.namePrefix ?? sanitizePrefix(name),
    public: isPublic,
    restAuthentication: restAuthenticationOf(args),
    callers: args.callers ?? [],
    operators: args.operators ?? [],
    adminUser: args.adminUser ?? CAMUNDA_DEFAULTS.adminUser,
    ingress: args.ingress ?? CAMUNDA_DEFAULTS.ingress,
    wakeSchedule: wakeSchedule(args.wakeIntervalMinutes ?? CAMUNDA_DEFAULTS.wakeIntervalMinutes),
    deletionProtection: args.deletionProtection ?? CAMUNDA_DEFAULTS.deletionProtection,
    enableApis: args.enableApis !== false,
    labels: { app: 'camunda-serverless', 'managed-by': 'pulumi', ...(args.labels ?? {}) },
    image: args.image,
    build: args.build ?? {},
    javaToolOptions: args.javaToolOptions,
    environment: args.environment ?? {},
    publishTopics: args.publishTopics ?? [],
    database: {
      edition: db.edition ?? CAMUNDA_DEFAULTS.databaseEdition,
      availabilityType: db.availabilityType ?? CAMUNDA_DEFAULTS.databaseAvailability,
      backups: db.backups ?? CAMUNDA_DEFAULTS.databaseBackups,
      name: db.name ?? CAMUNDA_DEFAULTS.databaseName,
      user: db.user ?? CAMUNDA_DEFAULTS.databaseUser,
    },
    engine: args.engine ?? {},
    settings,
  };
}

/** The settings that may be Outputs, checked once resolved, and one reader per setting. */
export interface CheckedEngineSettings {
  /** Every setting, checked: reading it fails the deployment when a resolved value is bad. */
  readonly all: pulumi.Output<EngineSettingValues>;
  /** One setting, or `fallback` when it is unset. */
  get<K extends keyof EngineSettingValues>(
    key: K,
    fallback: NonNullable<EngineSettingValues[K]>,
  ): pulumi.Output<NonNullable<EngineSettingValues[K]>>;
}

/** The settings of `resolved` as Outputs that check every value once it resolves. */
export function checkedEngineSettings(resolved: ResolvedCamundaServerlessArgs): CheckedEngineSettings {
  const all = checkWhenResolved(
    settingsSchema,
    resolved.settings,
    `CamundaServerless '${resolved.name}': invalid arguments`,
  );
  return {
    all,
    get: (key, fallback) => all.apply((v) => (v[key] ?? fallback) as NonNullable<EngineSettingValues[typeof key]>),
  };
}
