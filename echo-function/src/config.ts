// Configuration comes from environment variables and is validated once, when the module loads:
// a misconfigured function should fail to start with a message naming the variable, not fail
// every delivery later.

export type EngineAuth = 'id-token' | 'none';

export interface EchoConfig {
  /** ENGINE_URL without trailing slashes. */
  readonly engineUrl: string;
  /** Where replies are correlated: `${engineUrl}/engine-rest/message`. */
  readonly messageEndpoint: string;
  readonly auth: EngineAuth;
  /** Audience of the ID token (the Cloud Run service URL unless a custom audience is set). */
  readonly audience: string;
  readonly timeoutMs: number;
  readonly knownMessageNames: ReadonlySet<string>;
  readonly basicAuth?: { readonly user: string; readonly password: string };
}

/** Names that are safe to use as Camunda message names and in logs. */
export const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

export const DEFAULT_TIMEOUT_MS = 10_000;
// The push ack deadline is at most 600 s; an engine call longer than that would be redelivered anyway.
const MAX_TIMEOUT_MS = 600_000;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`echo-function configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): EchoConfig {
  const engineUrl = readEngineUrl(env);
  const auth = readAuth(env);
  const audience = readAudience(env, engineUrl);
  const timeoutMs = readTimeout(env);
  const knownMessageNames = readKnownNames(env);
  const basicAuth = readBasicAuth(env);
  return {
    engineUrl,
    messageEndpoint: `${engineUrl}/engine-rest/message`,
    auth,
    audience,
    timeoutMs,
    knownMessageNames,
    ...(basicAuth ? { basicAuth } : {}),
  };
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readEngineUrl(env: Env): string {
  const raw = nonEmpty(env, 'ENGINE_URL');
  if (!raw)
    throw new ConfigError('ENGINE_URL', 'is required (the engine base URL, e.g. https://camunda-xyz.a.run.app)');
  return checkHttpUrl('ENGINE_URL', raw);
}

function checkHttpUrl(variable: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `must be an http or https URL, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `must be an http or https URL, got '${raw}'`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(variable, 'must not carry a query, a fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

function readAuth(env: Env): EngineAuth {
  const raw = nonEmpty(env, 'ENGINE_AUTH');
  // K_SERVICE is set by Cloud Run and Cloud Functions 2nd gen: deployed, the engine is private.
  if (!raw) return env.K_SERVICE ? 'id-token' : 'none';
  if (raw === 'id-token' || raw === 'none') return raw;
  throw new ConfigError('ENGINE_AUTH', `must be 'id-token' or 'none', got '${raw}'`);
}

function readAudience(env: Env, engineUrl: string): string {
  const raw = nonEmpty(env, 'ENGINE_AUDIENCE');
  return raw ?? engineUrl;
}

function readTimeout(env: Env): number {
  const raw = nonEmpty(env, 'ENGINE_TIMEOUT_MS');
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new ConfigError(
      'ENGINE_TIMEOUT_MS',
      `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got '${raw}'`,
    );
  }
  return value;
}

function readKnownNames(env: Env): ReadonlySet<string> {
  const raw = env.KNOWN_MESSAGE_NAMES ?? 'echo';
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) throw new ConfigError('KNOWN_MESSAGE_NAMES', 'must list at least one message name');
  const bad = names.find((name) => !SAFE_NAME.test(name));
  if (bad !== undefined) throw new ConfigError('KNOWN_MESSAGE_NAMES', `holds an invalid name '${bad}'`);
  return new Set(names);
}

function readBasicAuth(env: Env): EchoConfig['basicAuth'] {
  const user = env.ENGINE_BASIC_AUTH_USER ?? '';
  const password = env.ENGINE_BASIC_AUTH_PASSWORD ?? '';
  if (!user && !password) return undefined;
  // Half a credential is always a mistake; say which half is missing (never echo the password).
  if (!user) throw new ConfigError('ENGINE_BASIC_AUTH_USER', 'is required when ENGINE_BASIC_AUTH_PASSWORD is set');
  if (!password) throw new ConfigError('ENGINE_BASIC_AUTH_PASSWORD', 'is required when ENGINE_BASIC_AUTH_USER is set');
  if (user.includes(':')) throw new ConfigError('ENGINE_BASIC_AUTH_USER', "must not contain ':'");
  return { user, password };
}
