// Value checks shared by the components and the stack program. Each check names the setting it
// rejects and says how to fix it, because the message is all an operator sees when a preview fails.

import { z } from 'zod';

/** Thrown for an argument or configuration value that cannot work; the message names the key. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

// The rules the policy pack shares live in name-rules.ts (free of dependencies); here for one import.
export { isSecretName, REGION, REGION_RULE, regionProblem, SECRET_NAME } from './name-rules';

/** Project ids: 6 to 30 lowercase letters, digits and hyphens (optionally domain-scoped). */
export const PROJECT_ID = /^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** Physical name prefixes: short enough that `<prefix>-<suffix>` fits service-account ids (30). */
export const NAME_PREFIX = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
export const NAME_PREFIX_MAX = 20;

/** Names that are safe as Camunda business keys and message names (the echo function's rule too). */
export const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

// The engine's rules live in its settings catalogue (engine-settings.ts); here for one import.
export { isDayTimeDuration, isIsoDuration, isRetryTimeCycle } from './engine-settings';

/** Cloud Run memory limits such as `512Mi`, `1Gi`, `2G`. */
export const MEMORY = /^\d+(?:Mi|Gi|M|G)$/;

/** CPU counts Cloud Run accepts with always-on CPU (fractions need request-based CPU). */
export const CPU_VALUES = ['1', '2', '4', '6', '8'] as const;

/** Cloud Run ingress settings by their short names. */
export const INGRESS = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-load-balancer': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
} as const;
export type IngressName = keyof typeof INGRESS;

/**
 * Turns any text into a physical name prefix: lowercase, hyphens for anything else, starts with a
 * letter, at most `max` characters, no trailing hyphen. Used to derive defaults from Pulumi names.
 */
export function sanitizePrefix(raw: string, max: number = NAME_PREFIX_MAX): string {
  let cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '');
  cleaned = cleaned.slice(0, max).replace(/-+$/, '');
  return cleaned.length > 0 ? cleaned : 'cs';
}

/**
 * Cloud Scheduler cron for a wake-up interval in minutes: 1 to 59 minutes (`*\/n`), or whole hours
 * that divide a day. Returns undefined for 0 (switched off); throws for intervals cron cannot express.
 * The message describes the value only; callers prefix the key they read it from.
 */
export function wakeSchedule(minutes: number): string | undefined {
  if (!Number.isInteger(minutes) || minutes < 0) {
    throw new ConfigurationError(`must be a whole number of minutes (0 switches the wake-up job off), got ${minutes}`);
  }
  if (minutes === 0) return undefined;
  if (minutes < 60) return `*/${minutes} * * * *`;
  const hours = minutes / 60;
  if (Number.isInteger(hours) && hours <= 24 && 24 % hours === 0) {
    return hours === 24 ? '0 0 * * *' : `0 */${hours} * * *`;
  }
  throw new ConfigurationError(
    `${minutes} minutes cannot be written as a cron schedule: use 1 to 59, or 60, 120, 180, 240, 360, 480, 720 or 1440`,
  );
}

/** Zod issues as `key: message`, each naming the key (prefixed with `keyPrefix`). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], keyPrefix: string): string[] {
  return issues.map((issue) => {
    const key = issue.path.length > 0 ? `${keyPrefix}${issue.path.join('.')}` : keyPrefix.replace(/[:.]$/, '');
    return `${key}: ${issue.message}`;
  });
}

/** Formats problems as one indented line each, the way every ConfigurationError lists them. */
export function formatProblems(problems: readonly string[]): string {
  return problems.map((problem) => `  - ${problem}`).join('\n');
}

/** Formats zod issues as one line per problem, each naming the key (prefixed with `keyPrefix`). */
export function formatIssues(issues: readonly z.core.$ZodIssue[], keyPrefix: string): string {
  return formatProblems(describeIssues(issues, keyPrefix));
}

/** Throws a ConfigurationError listing every problem, when there is any. */
export function throwIfProblems(context: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new ConfigurationError(`${context}:\n${formatProblems(problems)}`);
}

/** Throws a ConfigurationError listing every problem when `schema` rejects `value`. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  context: string,
  keyPrefix: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ConfigurationError(`${context}:\n${formatIssues(result.error.issues, keyPrefix)}`);
  }
  return result.data;
}
