// Who may call a private engine's REST API, and which paths: the component's side of REST_AUTH=google
// (docker/camunda checks each request's Google ID token against REST_CALLERS). The syntax is the
// engine's: `<email>=<permission>[,<permission>...]` entries joined by `;`, a permission being `*`
// or `<METHOD> <path>`, where a path ending in `/*` matches that prefix.

import * as pulumi from '@pulumi/pulumi';
import { checkEngineSetting } from '../engine-settings';
import { ConfigurationError } from '../validation';

/** One identity and the REST paths it may call. */
export interface EngineCaller {
  /** The caller's e-mail (a service account's, or a user's), compared case-insensitively. */
  readonly email: pulumi.Input<string>;
  /** `<METHOD> /path` (exact), `<METHOD> /prefix/*`, or `*` (everything). */
  readonly permissions: readonly string[];
}

/** A caller once its e-mail resolved. */
export interface ResolvedEngineCaller {
  readonly email: string;
  readonly permissions: readonly string[];
}

/**
 * One permission as the engine accepts it: `*`, or a method and a path under /engine-rest (the only
 * paths the engine guards), `*` only as a trailing `/*`. The whole REST_CALLERS value is checked
 * against the engine's own rule in the settings catalogue too (restCallersValue).
 */
export const REST_PERMISSION =
  /^(?:\*|(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \/engine-rest(?:\/[^\s;,=*/]+)*(?:\/\*)?)$/;
/** An e-mail that fits REST_CALLERS (no separators). */
export const CALLER_EMAIL = /^[^\s@;,=]+@[^\s@;,=]+\.[^\s@;,=]+$/;

export const PERMISSION_RULE =
  "must be '<METHOD> /path', '<METHOD> /prefix/*' or '*', the path under /engine-rest (e.g. 'POST /engine-rest/message')";
export const EMAIL_RULE = 'must be an e-mail address (such as a service account e-mail)';

/** Problems of one caller's plain parts, each naming its key (`callers[0].permissions[1]`). */
export function callerProblems(key: string, email: unknown, permissions: readonly unknown[] | undefined): string[] {
  const problems: string[] = [];
  if (typeof email === 'string' && !CALLER_EMAIL.test(email)) problems.push(`${key}.email: '${email}' ${EMAIL_RULE}`);
  if (!Array.isArray(permissions) || permissions.length === 0) {
    problems.push(`${key}.permissions: must list at least one permission (${PERMISSION_RULE})`);
    return problems;
  }
  permissions.forEach((permission, index) => {
    if (typeof permission !== 'string' || !REST_PERMISSION.test(permission)) {
      problems.push(`${key}.permissions[${index}]: '${String(permission)}' ${PERMISSION_RULE}`);
    }
  });
  return problems;
}

/**
 * The REST_CALLERS value: one entry per e-mail (lowercased, first appearance first), permissions
 * merged; `*` stands alone. Throws a ConfigurationError for an e-mail that resolved badly.
 */
export function restCallersValue(callers: readonly ResolvedEngineCaller[], context: string): string {
  const merged = new Map<string, string[]>();
  for (const caller of callers) {
    if (!CALLER_EMAIL.test(caller.email)) {
      throw new ConfigurationError(`${context}: caller e-mail '${caller.email}' ${EMAIL_RULE}`);
    }
    const key = caller.email.toLowerCase();
    const permissions = merged.get(key) ?? [];
    for (const permission of caller.permissions) if (!permissions.includes(permission)) permissions.push(permission);
    merged.set(key, permissions);
  }
  const value = [...merged.entries()]
    .map(([email, permissions]) => `${email}=${permissions.includes('*') ? '*' : permissions.join(',')}`)
    .join(';');
  // The engine refuses a REST_CALLERS its rule does not allow, at start: refuse it here instead.
  const problem = checkEngineSetting('REST_CALLERS', value);
  if (problem !== undefined) throw new ConfigurationError(`${context}: REST_CALLERS '${value}' ${problem}`);
  return value;
}

/** Whether `email` may call `method path` under these callers (the engine's matching, for checks). */
export function mayCall(
  callers: readonly ResolvedEngineCaller[],
  email: string,
  method: string,
  path: string,
): boolean {
  return callers
    .filter((caller) => caller.email.toLowerCase() === email.toLowerCase())
    .some((caller) =>
      caller.permissions.some((permission) => {
        if (permission === '*') return true;
        const [verb, pattern = ''] = permission.split(' ');
        if (verb !== method) return false;
        return pattern.endsWith('/*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
      }),
    );
}

/** Callers and operators (permission `*`) as one Output of resolved callers. */
export function resolvedCallers(
  callers: readonly EngineCaller[],
  operators: readonly pulumi.Input<string>[],
): pulumi.Output<ResolvedEngineCaller[]> {
  const all: EngineCaller[] = [...callers, ...operators.map((email) => ({ email, permissions: ['*'] }))];
  return pulumi
    .all(all.map((caller) => pulumi.output(caller.email)))
    .apply((emails) => emails.map((email, i) => ({ email, permissions: [...(all[i]?.permissions ?? [])] })));
}
