// Options of the end-to-end run, from the command line with environment fallbacks (CI runners set
// variables more easily than arguments). Read with util.parseArgs and checked with zod so a bad value
// stops the run before anything is created, with one line per problem (all of them at once).

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { REGION, REGION_RULE } from '../components/name-rules';

import { UsageError } from '../devkit/cli';

export interface E2eOptions {
  /** GCP project the ephemeral stack deploys into. */
  readonly project: string;
  readonly region: string;
  /** Pulumi stack name; unique per run unless given. */
  readonly stackName: string;
  /** Physical name prefix of the stack's resources (unique per run, so runs never collide). */
  readonly namePrefix: string;
  /** Round trips the loop must complete. */
  readonly roundTrips: number;
  /** How long the loop may take for them, after `pulumi up` finished. */
  readonly timeoutMs: number;
  /** Pause between two looks at the engine. */
  readonly pollMs: number;
  /** A ready engine image by digest; without it `pulumi up` builds one (needs Docker). */
  readonly image?: string | undefined;
  /**
   * A service account whose ID token the run's own engine requests carry (impersonated with the
   * runner's credentials): needed with workload identity federation or a user login, see README.
   */
  readonly impersonateServiceAccount?: string;
  /** More `camunda-serverless:<key>` settings for the stack. */
  readonly extraConfig: Readonly<Record<string, string>>;
}

export class OptionsError extends UsageError {
  override readonly name = 'OptionsError';
}

export const USAGE = `Usage: npm run e2e -- --project <gcp-project> [options]

Creates an ephemeral Pulumi stack, runs pulumi up, waits until the echo loop completed N round trips
with exactly one active PushTask, then destroys the stack and removes it. Exit code 0 when all of that
worked, 1 when anything failed (the stack is destroyed all the same), 2 for bad options.

Needs: the pulumi CLI logged in to a backend (PULUMI_BACKEND_URL or pulumi login), Google credentials
(Application Default Credentials) allowed to deploy and to invoke the engine, and Docker unless --image.

  --project <id>          GCP project (env E2E_GCP_PROJECT)                       required
  --region <region>       GCP region (env E2E_GCP_REGION)                         default europe-west1
  --round-trips <n>       round trips to wait for (env E2E_ROUND_TRIPS)            default 3
  --timeout-minutes <m>   time allowed for them after up (env E2E_TIMEOUT_MINUTES) default 15
  --poll-seconds <s>      pause between looks at the engine (env E2E_POLL_SECONDS) default 10
  --stack <name>          stack name (env E2E_STACK)                              default e2e-<time>-<random>
  --image <ref@sha256:…>  ready engine image by digest (env E2E_IMAGE)            default: build with Docker
  --impersonate-service-account <email>
                          service account whose ID token the run's engine requests carry
                          (env E2E_IMPERSONATE_SERVICE_ACCOUNT); needed with workload identity
                          federation or a user login; the runner needs Token Creator on it
  --config <key=value>    another camunda-serverless setting, repeatable (e.g. historyLevel=none)
  --help                  this text`;

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const IMAGE_BY_DIGEST = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
const CONFIG_KEY = /^[a-zA-Z][a-zA-Z0-9]*$/;
const SERVICE_ACCOUNT = /^[a-z0-9][a-z0-9.-]*@[a-z0-9.-]+\.gserviceaccount\.com$/;
/** Settings the run decides itself: overriding them would break the run or leave resources behind. */
const RESERVED_KEYS = new Set(['namePrefix', 'deletionProtection', 'echoLoop', 'startLoop', 'image']);

function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

const schema = z.object({
  project: z
    .string({ error: 'is required (--project or E2E_GCP_PROJECT)' })
    .regex(PROJECT_ID, 'must be a GCP project id (6 to 30 lowercase letters, digits, hyphens)'),
  region: z.string().regex(REGION, REGION_RULE),
  roundTrips: wholeNumber(1, 10_000),
  timeoutMinutes: wholeNumber(1, 24 * 60),
  pollSeconds: wholeNumber(1, 600),
  stackName: z.string().regex(STACK_NAME, 'must be 1 to 100 letters, digits, _ . -').optional(),
  image: z.string().regex(IMAGE_BY_DIGEST, 'must reference the image by digest (…@sha256:<64 hex digits>)').optional(),
  impersonate: z
    .string()
    .regex(SERVICE_ACCOUNT, "must be a service account's email (name@project.iam.gserviceaccount.com)")
    .optional(),
  config: z.array(
    z
      .string()
      .regex(/^[^=]+=.*$/, 'must be key=value')
      .refine(
        (pair) => CONFIG_KEY.test(pair.split('=')[0] as string),
        'key must be a camunda-serverless setting name such as historyLevel',
      )
      .refine(
        (pair) => !RESERVED_KEYS.has(pair.split('=')[0] as string),
        `key must not be one the run sets itself (${[...RESERVED_KEYS].join(', ')})`,
      ),
  ),
});

const FLAGS: Record<string, keyof z.input<typeof schema>> = {
  '--project': 'project',
  '--region': 'region',
  '--round-trips': 'roundTrips',
  '--timeout-minutes': 'timeoutMinutes',
  '--poll-seconds': 'pollSeconds',
  '--stack': 'stackName',
  '--image': 'image',
  '--impersonate-service-account': 'impersonate',
  '--config': 'config',
};

// Every flag takes a value; parseArgs reads them (--flag value and --flag=value) without stopping at
// the first mistake, so that every problem is listed at once.
const PARSE_OPTIONS = {
  ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag.slice(2), { type: 'string' as const }])),
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags given, in order, as [key, value]; 'help' for --help; mistakes go to `problems`. */
function readFlags(argv: readonly string[], problems: string[]): Array<[string, string]> | 'help' {
  const { tokens } = parseArgs({
    args: [...argv],
    options: PARSE_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const read: Array<[string, string]> = [];
  for (const token of tokens) {
    if (token.kind !== 'option') {
      problems.push(`${token.kind === 'positional' ? token.value : '--'}: unknown option (see --help)`);
      continue;
    }
    if (token.name === 'help') return 'help';
    const key = FLAGS[`--${token.name}`];
    if (!key) {
      problems.push(`${token.rawName}${token.inlineValue ? `=${token.value}` : ''}: unknown option (see --help)`);
    } else if (token.value === undefined) {
      problems.push(`${token.rawName}: needs a value`);
    } else {
      read.push([key, token.value]);
    }
  }
  return read;
}

/** A fresh, short, lowercase suffix: stack names and resource prefixes of two runs never collide. */
export function runSuffix(random: () => Buffer = () => randomBytes(4)): string {
  return random().toString('hex').slice(0, 6);
}

/** `--help` → undefined; otherwise the checked options, or an OptionsError listing every problem. */
export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  now: Date = new Date(),
  suffix: string = runSuffix(),
): E2eOptions | undefined {
  const raw: Record<string, unknown> = {
    project: env.E2E_GCP_PROJECT || undefined,
    region: env.E2E_GCP_REGION || 'europe-west1',
    roundTrips: env.E2E_ROUND_TRIPS || '3',
    timeoutMinutes: env.E2E_TIMEOUT_MINUTES || '15',
    pollSeconds: env.E2E_POLL_SECONDS || '10',
    stackName: env.E2E_STACK || undefined,
    image: env.E2E_IMAGE || undefined,
    impersonate: env.E2E_IMPERSONATE_SERVICE_ACCOUNT || undefined,
    config: [] as string[],
  };
  const problems: string[] = [];
  const read = readFlags(argv, problems);
  if (read === 'help') return undefined;
  for (const [key, value] of read) {
    if (key === 'config') (raw.config as string[]).push(value);
    else raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag = Object.entries(FLAGS).find(([, key]) => key === issue.path[0])?.[0] ?? String(issue.path[0]);
      const which = issue.path.length > 1 ? `${flag} ${(raw.config as string[])[issue.path[1] as number] ?? ''}` : flag;
      problems.push(`${which}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new OptionsError(`invalid options:\n  ${problems.join('\n  ')}`);
  const o = parsed.data;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  return {
    project: o.project,
    region: o.region,
    stackName: o.stackName ?? `e2e-${stamp}-${suffix}`,
    // At most 15 characters, as the stack program requires.
    namePrefix: `e2e-${suffix}`,
    roundTrips: o.roundTrips,
    timeoutMs: o.timeoutMinutes * 60_000,
    pollMs: o.pollSeconds * 1000,
    image: o.image,
    ...(o.impersonate !== undefined ? { impersonateServiceAccount: o.impersonate } : {}),
    extraConfig: Object.fromEntries(
      o.config.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  };
}

/** The stack configuration of a run: the project's keys namespaced, values as Pulumi wants them. */
export function stackConfig(options: E2eOptions): Record<string, string> {
  const config: Record<string, string> = {
    'gcp:project': options.project,
    'gcp:region': options.region,
    'camunda-serverless:namePrefix': options.namePrefix,
    // Everything must go again: no deletion protection, no backups to keep.
    'camunda-serverless:deletionProtection': 'false',
    'camunda-serverless:databaseBackups': 'false',
    'camunda-serverless:echoLoop': 'true',
    'camunda-serverless:startLoop': 'true',
  };
  if (options.image !== undefined) config['camunda-serverless:image'] = options.image;
  for (const [key, value] of Object.entries(options.extraConfig)) config[`camunda-serverless:${key}`] = value;
  return config;
}
