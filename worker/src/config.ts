// The worker's settings come from environment variables (the names the echo function has always used)
// and are validated once, when the worker is created: a misconfigured function fails to start with
// every bad variable named and the fix, instead of failing each delivery later.

export type EngineAuth = 'id-token' | 'none';

export interface WorkerConfig {
  /** ENGINE_URL without trailing slashes. */
  readonly engineUrl: string;
  /** Where replies and heartbeats go: `${engineUrl}/engine-rest/message`. */
  readonly messageEndpoint: string;
  readonly auth: EngineAuth;
  /** Audience of the ID token (the Cloud Run service URL unless a custom audience is set). */
  readonly audience: string;
  /** Bound on one whole engine call, immediate resends included. */
  readonly timeoutMs: number;
  /** The subscription's dead-letter maxDeliveryAttempts: the attempt that gets a `failed` reply. */
  readonly maxDeliveryAttempts: number;
  readonly basicAuth?: { readonly user: string; readonly password: string };
}

export const DEFAULT_TIMEOUT_MS = 10_000;
// The push ack deadline is at most 600 s; an engine call longer than that would be redelivered anyway.
const MAX_TIMEOUT_MS = 600_000;
/** The PushWorker component's default dead-letter maxDeliveryAttempts. */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 10;
// Pub/Sub allows 5 to 100; below 5 is accepted for tests and local runs.
const MAX_MAX_DELIVERY_ATTEMPTS = 100;

export interface ConfigProblem {
  readonly variable: string;
  /** What is wrong and how to fix it, e.g. "is required (the engine base URL, ...)". */
  readonly problem: string;
}

/** Every configuration problem at once, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`push worker configuration: ${problems.map((p) => `${p.variable} ${p.problem}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws one ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): WorkerConfig {
  const problems: ConfigProblem[] = [];
  const report = (variable: string, problem: string) => void problems.push({ variable, problem });
  const engineUrl = readEngineUrl(env, report);
  const auth = readAuth(env, report);
  const timeoutMs = readWholeNumber(env, 'ENGINE_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, report);
  const maxDeliveryAttempts = readWholeNumber(
    env,
    'MAX_DELIVERY_ATTEMPTS',
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    1,
    MAX_MAX_DELIVERY_ATTEMPTS,
    report,
  );
  const basicAuth = readBasicAuth(env, report);
  if (problems.length > 0 || engineUrl === undefined) throw new ConfigError(problems);
  return {
    engineUrl,
    messageEndpoint: `${engineUrl}/engine-rest/message`,
    auth,
    audience: nonEmpty(env, 'ENGINE_AUDIENCE') ?? engineUrl,
    timeoutMs,
    maxDeliveryAttempts,
    ...(basicAuth ? { basicAuth } : {}),
  };
}

type Report = (variable: string, problem: string) => void;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readEngineUrl(env: Env, report: Report): string | undefined {
  const raw = nonEmpty(env, 'ENGINE_URL');
  if (!raw) {
    report('ENGINE_URL', 'is required: set it to the engine base URL, e.g. https://camunda-xyz.a.run.app');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    report('ENGINE_URL', `must be an http or https URL such as https://camunda-xyz.a.run.app, got '${raw}'`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report('ENGINE_URL', `must be an http or https URL such as https://camunda-xyz.a.run.app, got '${raw}'`);
    return undefined;
  }
  if (url.search || url.hash || url.username || url.password) {
    // Never echo the value: it may hold credentials.
    report('ENGINE_URL', 'must not carry a query, a fragment or credentials (use ENGINE_BASIC_AUTH_USER/_PASSWORD)');
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}

function readAuth(env: Env, report: Report): EngineAuth {
  const raw = nonEmpty(env, 'ENGINE_AUTH');
  // K_SERVICE is set by Cloud Run and Cloud Functions 2nd gen: deployed, the engine is private.
  if (!raw) return env.K_SERVICE ? 'id-token' : 'none';
  if (raw === 'id-token' || raw === 'none') return raw;
  report('ENGINE_AUTH', `must be 'id-token' or 'none', got '${raw}'`);
  return 'none';
}

function readWholeNumber(env: Env, name: string, fallback: number, min: number, max: number, report: Report): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (/^\d+$/.test(raw) && value >= min && value <= max) return value;
  report(name, `must be a whole number from ${min} to ${max} (default ${fallback}), got '${raw}'`);
  return fallback;
}

function readBasicAuth(env: Env, report: Report): WorkerConfig['basicAuth'] {
  const user = env.ENGINE_BASIC_AUTH_USER ?? '';
  const password = env.ENGINE_BASIC_AUTH_PASSWORD ?? '';
  if (!user && !password) return undefined;
  // Half a credential is always a mistake; say which half is missing (never echo the password).
  if (!user) report('ENGINE_BASIC_AUTH_USER', 'is required when ENGINE_BASIC_AUTH_PASSWORD is set');
  if (!password) report('ENGINE_BASIC_AUTH_PASSWORD', 'is required when ENGINE_BASIC_AUTH_USER is set');
  if (user.includes(':')) report('ENGINE_BASIC_AUTH_USER', "must not contain ':'");
  return user && password ? { user, password } : undefined;
}
