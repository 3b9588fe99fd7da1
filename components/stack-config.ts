// The stack program's configuration: every key with its type, default and description (Pulumi.yaml
// declares the same keys; a test keeps the two in step), and one validation that reports every bad
// value at once, naming the key and the fix, before any resource is declared.

import { z } from 'zod';
import { CAMUNDA_DEFAULTS } from './engine/args';
import {
  engineDefaultOf,
  type EngineArgKey,
  engineRuleText,
  integerBounds,
  isEngineArgValue,
} from './engine/catalogue';
import { engineSettingChoices } from './engine-settings';
import { ALERT_MINUTES_MAX, ALERT_MINUTES_MIN } from './monitoring';
import {
  ConfigurationError,
  CPU_VALUES,
  formatIssues,
  INGRESS,
  MEMORY,
  PROJECT_ID,
  REGION,
  REGION_RULE,
  regionProblem,
  SAFE_NAME,
  sanitizePrefix,
  wakeSchedule,
} from './validation';

/** An e-mail address, as the keys that take one check it. */
const EMAIL = /^[^\s@,;=]+@[^\s@,;=]+\.[^\s@,;=]+$/;

/** The Pulumi project name: the namespace of the keys below. */
export const PROJECT_NAME = 'camunda-serverless';

export interface ConfigKey {
  readonly key: string;
  readonly type: 'string' | 'integer' | 'boolean';
  readonly default: string | number | boolean;
  readonly description: string;
}

/** How an engine key's unset value reads, "Empty: the engine's default, P1D", from the catalogue. */
function engineDefaultNote(unset: 'Empty' | '0', key: EngineArgKey): string {
  return `${unset}: the engine's default, ${engineDefaultOf(key)}`;
}

/** An integer engine key's range, as descriptions give it (`1000-86400000`). */
function range(key: EngineArgKey): string {
  const { min, max } = integerBounds(key);
  return `${min}-${max}`;
}

/** The choices of the history level, as a description lists them: `none, activity, audit or full`. */
const HISTORY_LEVEL_LIST = ((levels) => `${levels.slice(0, -1).join(', ')} or ${levels.at(-1)}`)(
  engineSettingChoices('HISTORY_LEVEL'),
);

/** Every configuration key of the stack (namespace `camunda-serverless`). */
export const STACK_CONFIG_KEYS: readonly ConfigKey[] = [
  {
    key: 'namePrefix',
    type: 'string',
    default: '',
    description:
      "Prefix of physical resource names (1-15 lowercase letters, digits, hyphens). Empty: 'camunda-<stack>'. Give each stack sharing a project its own.",
  },
  {
    key: 'image',
    type: 'string',
    default: '',
    description:
      'A ready engine image by digest (REGION-docker.pkg.dev/...@sha256:...). Empty: build docker/camunda with Docker and push it to Artifact Registry.',
  },
  {
    key: 'minInstances',
    type: 'integer',
    default: 0,
    description: 'Minimum engine instances. 0 scales to zero (the wake-up job runs due retries and timers).',
  },
  {
    key: 'maxInstances',
    type: 'integer',
    default: 2,
    description:
      'Maximum engine instances. Keep maxInstances x databasePoolSize below the database connection limit (25 on db-f1-micro).',
  },
  {
    key: 'cpu',
    type: 'string',
    default: '1',
    description: 'CPUs per engine instance: 1, 2, 4, 6 or 8 (CPU is always allocated, so whole CPUs).',
  },
  {
    key: 'memory',
    type: 'string',
    default: '1Gi',
    description: "Memory per engine instance, e.g. '1Gi'. The JVM heap takes 60% of it.",
  },
  {
    key: 'javaToolOptions',
    type: 'string',
    default: '',
    description:
      "JVM options of the engine (JAVA_TOOL_OPTIONS). Empty: the image's defaults (heap 60% of memory, class-data sharing). Setting it replaces them.",
  },
  { key: 'concurrency', type: 'integer', default: 80, description: 'Concurrent requests per engine instance.' },
  {
    key: 'requestTimeoutSeconds',
    type: 'integer',
    default: 300,
    description: 'Engine request timeout in seconds (1-3600).',
  },
  {
    key: 'ingress',
    type: 'string',
    default: 'all',
    description:
      "Network ingress of the engine: 'all' (IAM still decides who may call), 'internal' or 'internal-and-load-balancer'.",
  },
  {
    key: 'public',
    type: 'boolean',
    default: false,
    description:
      'Allow unauthenticated calls to the engine (allUsers invoker). Switches Camunda basic authentication on, with a generated admin password in Secret Manager.',
  },
  {
    key: 'operators',
    type: 'string',
    default: '',
    description:
      "E-mails (comma-separated) that may call the private engine's whole REST API with their Google ID token. Empty: only the echo function and the loop starter's account may.",
  },
  {
    key: 'starterServiceAccount',
    type: 'string',
    default: '',
    description:
      'Service account e-mail the loop starter impersonates to call the engine (it becomes an operator). Empty: an account the echo loop creates (PREFIX-echo-starter), which the deployer may impersonate.',
  },
  {
    key: 'deletionProtection',
    type: 'boolean',
    default: false,
    description:
      'Deletion protection of the Cloud Run service and the Cloud SQL instance. false lets pulumi destroy remove a dev stack; set true for stacks holding real data.',
  },
  { key: 'databaseVersion', type: 'string', default: 'POSTGRES_16', description: 'Cloud SQL PostgreSQL version.' },
  {
    key: 'databaseTier',
    type: 'string',
    default: 'db-f1-micro',
    description: 'Cloud SQL machine tier (edition ENTERPRISE, so shared-core tiers work).',
  },
  {
    key: 'databaseBackups',
    type: 'boolean',
    default: true,
    description: 'Daily Cloud SQL backups with point-in-time recovery.',
  },
  {
    key: 'databasePoolSize',
    type: 'integer',
    default: CAMUNDA_DEFAULTS.databasePoolSize,
    description: `JDBC connections per engine instance (${range('databasePoolSize')}). ${CAMUNDA_DEFAULTS.databasePoolSize} rather than the engine's default, ${engineDefaultOf('databasePoolSize')}, so that maxInstances x databasePoolSize fits db-f1-micro.`,
  },
  {
    key: 'publishRetryTimeCycle',
    type: 'string',
    default: engineDefaultOf('publishRetryTimeCycle') ?? '',
    description: `Retry cycle of the publish step (Camunda failedJobRetryTimeCycle, e.g. ${engineDefaultOf('publishRetryTimeCycle')}).`,
  },
  {
    key: 'republishAfter',
    type: 'string',
    default: '',
    description: `How long PushTask (the echo loop's round trip) waits for a reply before it publishes its request again (ISO duration of at least 1 s, e.g. PT30S). ${engineDefaultNote('Empty', 'republishAfter')}.`,
  },
  {
    key: 'jobRetryTimeCycle',
    type: 'string',
    default: '',
    description: `Engine-wide default retry cycle of failed jobs (e.g. R5/PT1M). ${engineDefaultNote('Empty', 'jobRetryTimeCycle')}.`,
  },
  {
    key: 'historyLevel',
    type: 'string',
    default: '',
    description: `History level: ${HISTORY_LEVEL_LIST}. ${engineDefaultNote('Empty', 'historyLevel')}, which keeps the database of an endless loop flat. A database keeps the level it was set up with.`,
  },
  {
    key: 'historyTimeToLive',
    type: 'string',
    default: '',
    description: `History time to live, an ISO duration in days, hours, minutes, seconds (e.g. P7D or PT12H). ${engineDefaultNote('Empty', 'historyTimeToLive')}.`,
  },
  {
    key: 'historyCleanupWindow',
    type: 'string',
    default: '',
    description: `History cleanup batch window HH:mm-HH:mm (e.g. 01:00-05:00). ${engineDefaultNote('Empty', 'historyCleanupWindow')}.`,
  },
  {
    key: 'jobLockTimeMs',
    type: 'integer',
    default: 0,
    description: `Job lock time in ms (how long jobs of a killed instance stay locked), ${range('jobLockTimeMs')}. ${engineDefaultNote('0', 'jobLockTimeMs')}.`,
  },
  {
    key: 'jobMaxWaitMs',
    type: 'integer',
    default: 0,
    description: `Longest pause between job acquisitions in ms, ${range('jobMaxWaitMs')}. ${engineDefaultNote('0', 'jobMaxWaitMs')}.`,
  },
  {
    key: 'wakeIntervalMinutes',
    type: 'integer',
    default: 10,
    description:
      'Minutes between Cloud Scheduler wake-up calls to the engine (1-59, or whole hours dividing a day); 0 switches them off. Each call keeps an instance up to ~15 idle minutes.',
  },
  {
    key: 'schedulerRegion',
    type: 'string',
    default: '',
    description: 'Region of the Cloud Scheduler job. Empty: gcp:region.',
  },
  {
    key: 'echoLoop',
    type: 'boolean',
    default: true,
    description: 'Deploy the echo loop (topics, function, monitoring).',
  },
  { key: 'loopName', type: 'string', default: 'echo', description: "The echo loop's name (its business key)." },
  {
    key: 'startLoop',
    type: 'boolean',
    default: true,
    description: "Start the loop through the engine's REST API on pulumi up (idempotent) and cancel it on destroy.",
  },
  {
    key: 'echoMaxDeliveryAttempts',
    type: 'integer',
    default: 10,
    description: 'Push deliveries of one message before it is dead-lettered (5-100).',
  },
  {
    key: 'functionTimeoutSeconds',
    type: 'integer',
    default: 60,
    description: "The echo function's timeout in seconds (1-590); the push ack deadline is 10 s longer.",
  },
  { key: 'functionMaxInstances', type: 'integer', default: 10, description: 'Maximum echo function instances.' },
  {
    key: 'engineTimeoutMs',
    type: 'integer',
    default: 10000,
    description: "Timeout of the echo function's call to the engine in ms; below functionTimeoutSeconds x 1000.",
  },
  {
    key: 'alertAfterMinutes',
    type: 'integer',
    default: 15,
    description: 'Alert when no echo round trip succeeded for this many minutes (2-1410).',
  },
  {
    key: 'alertEmail',
    type: 'string',
    default: '',
    description: 'E-mail address notified by the alert. Empty: the alert only shows in Cloud Monitoring.',
  },
];

const ns = (key: string): string => `${PROJECT_NAME}:${key}`;

/** Pulumi hands every value over as text; empty means "not set", so the default applies. */
function text(defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? defaultValue : v.trim()));
}

function integer(defaultValue: number, min: number, max: number, hint = '') {
  return text(String(defaultValue)).pipe(
    z
      .string()
      .regex(/^-?\d+$/, `must be a whole number${hint}`)
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}${hint}`).max(max, `must be at most ${max}${hint}`)),
  );
}

function boolean(defaultValue: boolean) {
  return text(String(defaultValue)).pipe(
    z.enum(['true', 'false'], "must be 'true' or 'false'").transform((v) => v === 'true'),
  );
}

function optionalText(check: (v: string) => boolean, message: string) {
  return text('')
    .refine((v) => v === '' || check(v), message)
    .transform((v) => (v === '' ? undefined : v));
}

/**
 * An integer engine key where 0, its default, leaves the engine's own default: 0, or a value in the
 * range the component accepts (the engine's, or stricter: see engine/catalogue.ts).
 */
function engineIntegerOrZero(key: EngineArgKey) {
  const { min, max } = integerBounds(key);
  const rule = `must be 0 (the engine's default) or a whole number from ${min} to ${max}`;
  return text('0').pipe(
    z
      .string()
      .regex(/^\d+$/, rule)
      .transform(Number)
      .refine((v) => v === 0 || (v >= min && v <= max), rule),
  );
}

/** A text engine key where empty leaves the engine's own default; the catalogue's rule and message. */
function optionalEngineText(key: EngineArgKey) {
  return optionalText((v) => isEngineArgValue(key, v), `${engineRuleText(key)}, or empty`);
}

const schema = z
  .object({
    namePrefix: text('').refine(
      (v) => v === '' || /^[a-z](?:[a-z0-9-]{0,13}[a-z0-9])?$/.test(v),
      'must be 1 to 15 lowercase letters, digits or hyphens, starting with a letter',
    ),
    image: optionalText(
      (v) => /^[^\s@]+@sha256:[0-9a-f]{64}$/.test(v),
      'must reference the image by digest (…@sha256:<64 hex digits>), or be empty to build it',
    ),
    minInstances: integer(0, 0, 1000),
    maxInstances: integer(2, 1, 1000),
    cpu: text('1').pipe(z.enum(CPU_VALUES, `must be one of ${CPU_VALUES.join(', ')}`)),
    memory: text('1Gi').refine((v) => MEMORY.test(v), "must be a size such as '512Mi' or '2Gi'"),
    javaToolOptions: optionalText(
      (v) => v.startsWith('-'),
      "must be JVM options such as '-XX:MaxRAMPercentage=60', or empty",
    ),
    concurrency: integer(80, 1, 1000),
    requestTimeoutSeconds: integer(300, 1, 3600),
    ingress: text('all').pipe(
      z.enum(Object.keys(INGRESS) as [keyof typeof INGRESS], `must be one of ${Object.keys(INGRESS).join(', ')}`),
    ),
    public: boolean(false),
    operators: text('').pipe(
      z
        .string()
        .transform((v) => (v === '' ? [] : v.split(',').map((e) => e.trim())))
        .refine(
          (emails) => emails.every((e) => EMAIL.test(e)),
          'must be e-mail addresses separated by commas, or empty',
        ),
    ),
    starterServiceAccount: optionalText(
      (v) => /^[^\s@]+@[^\s@]+\.iam\.gserviceaccount\.com$/.test(v),
      'must be a service account e-mail (…@<project>.iam.gserviceaccount.com), or empty',
    ),
    deletionProtection: boolean(false),
    databaseVersion: text('POSTGRES_16').refine(
      (v) => /^POSTGRES_\d+$/.test(v),
      'must be a PostgreSQL version such as POSTGRES_16',
    ),
    databaseTier: text('db-f1-micro').refine(
      (v) => /^db-[a-z0-9-]+$/.test(v),
      'must be a Cloud SQL tier such as db-f1-micro or db-custom-1-3840',
    ),
    databaseBackups: boolean(true),
    databasePoolSize: integer(
      CAMUNDA_DEFAULTS.databasePoolSize,
      integerBounds('databasePoolSize').min,
      integerBounds('databasePoolSize').max,
    ),
    publishRetryTimeCycle: text(engineDefaultOf('publishRetryTimeCycle') ?? '').refine(
      (v) => isEngineArgValue('publishRetryTimeCycle', v),
      engineRuleText('publishRetryTimeCycle'),
    ),
    republishAfter: optionalEngineText('republishAfter'),
    jobRetryTimeCycle: optionalEngineText('jobRetryTimeCycle'),
    historyLevel: optionalEngineText('historyLevel'),
    historyTimeToLive: optionalEngineText('historyTimeToLive'),
    historyCleanupWindow: optionalEngineText('historyCleanupWindow'),
    jobLockTimeMs: engineIntegerOrZero('jobLockTimeMs'),
    jobMaxWaitMs: engineIntegerOrZero('jobMaxWaitMs'),
    wakeIntervalMinutes: integer(10, 0, 1440, ' (0 switches the wake-up job off)'),
    schedulerRegion: optionalText((v) => REGION.test(v), `${REGION_RULE}, or empty`),
    echoLoop: boolean(true),
    loopName: text('echo').refine(
      (v) => SAFE_NAME.test(v),
      'must start with a letter and hold only letters, digits, _ . - (at most 100)',
    ),
    startLoop: boolean(true),
    echoMaxDeliveryAttempts: integer(10, 5, 100),
    functionTimeoutSeconds: integer(60, 1, 590),
    functionMaxInstances: integer(10, 1, 1000),
    engineTimeoutMs: integer(10_000, 1000, 590_000),
    alertAfterMinutes: integer(15, ALERT_MINUTES_MIN, ALERT_MINUTES_MAX),
    alertEmail: optionalText((v) => EMAIL.test(v), 'must be an e-mail address, or empty'),
  })
  .superRefine((v, ctx) => {
    if (v.minInstances > v.maxInstances) {
      ctx.addIssue({
        code: 'custom',
        path: ['minInstances'],
        message: `(${v.minInstances}) must not exceed ${ns('maxInstances')} (${v.maxInstances}): lower minInstances or raise maxInstances`,
      });
    }
    if (v.engineTimeoutMs >= v.functionTimeoutSeconds * 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['engineTimeoutMs'],
        message: `(${v.engineTimeoutMs}) must be below ${ns('functionTimeoutSeconds')} x 1000 (${v.functionTimeoutSeconds * 1000}), or the function times out first`,
      });
    }
    try {
      wakeSchedule(v.wakeIntervalMinutes);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['wakeIntervalMinutes'], message: (err as Error).message });
    }
  });

export type StackSettings = z.output<typeof schema>;

export interface StackConfig extends StackSettings {
  readonly project: string;
  readonly region: string;
  /** namePrefix with its default applied. */
  readonly prefix: string;
  /** Advice that does not stop the deployment (shown as warnings). */
  readonly warnings: readonly string[];
}

/** Connections Cloud SQL allows on the shared-core tiers (a few are reserved for itself). */
const CONNECTION_LIMITS: Record<string, number> = { 'db-f1-micro': 25, 'db-g1-small': 50 };

/**
 * Reads and checks the stack configuration. `get` returns the raw value of a key in the project
 * namespace (undefined when unset). Throws a ConfigurationError listing every problem.
 */
export function readStackConfig(
  get: (key: string) => string | undefined,
  gcpConfig: { readonly project?: string | undefined; readonly region?: string | undefined },
  stack: string,
): StackConfig {
  const problems: string[] = [];
  const project = gcpConfig.project?.trim() ?? '';
  const region = gcpConfig.region?.trim() ?? '';
  if (project === '') problems.push('  - gcp:project: is not set: pulumi config set gcp:project <your-project-id>');
  else if (!PROJECT_ID.test(project))
    problems.push(`  - gcp:project: '${project}' is not a GCP project id (6 to 30 lowercase letters, digits, hyphens)`);
  const regionIssue =
    region === '' ? 'is not set: pulumi config set gcp:region europe-west1 (or another region)' : regionProblem(region);
  if (regionIssue !== undefined) problems.push(`  - gcp:region: ${regionIssue}`);

  const raw = Object.fromEntries(STACK_CONFIG_KEYS.map(({ key }) => [key, get(key)]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) problems.push(formatIssues(parsed.error.issues, `${PROJECT_NAME}:`));
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigurationError(`Invalid stack configuration:\n${problems.join('\n')}`);
  }
  const settings = parsed.data;
  const warnings: string[] = [];
  const limit = CONNECTION_LIMITS[settings.databaseTier];
  if (limit !== undefined && settings.maxInstances * settings.databasePoolSize > limit - 3) {
    warnings.push(
      `${ns('maxInstances')} x ${ns('databasePoolSize')} = ${settings.maxInstances * settings.databasePoolSize} connections may exceed what ${settings.databaseTier} allows (${limit}, a few reserved)`,
    );
  }
  if (settings.ingress !== 'all' && (settings.echoLoop || settings.wakeIntervalMinutes > 0)) {
    warnings.push(
      `${ns('ingress')} is '${settings.ingress}': the echo function and Cloud Scheduler call the engine from outside any VPC, so their calls are refused unless they are routed through one`,
    );
  }
  if (settings.public)
    warnings.push(
      `${ns('public')} is true: the engine accepts calls from anyone; Camunda basic authentication guards it`,
    );
  const prefix = settings.namePrefix !== '' ? settings.namePrefix : sanitizePrefix(`camunda-${stack}`, 15);
  return { ...settings, project, region, prefix, warnings };
}
