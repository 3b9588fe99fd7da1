// Starting and cancelling the echo loop through the engine's REST API, as a Pulumi dynamic provider.
//
// Pulumi serializes a dynamic provider's functions into the state and runs them in a separate
// process, so everything here is self-contained: no module-level imports are used inside the
// functions (modules are required inside them), no exported constants are referenced (TypeScript's
// CommonJS output would turn them into references to the whole `exports` object), and the HTTP
// client, the ID-token source and the clock are injectable so the logic is tested against a local
// HTTP server or a fake fetch.

import type * as pulumi from '@pulumi/pulumi';

/** What the resource needs to find, start and cancel the loop. */
export interface LoopStarterInputs {
  /** Base URL of the engine (`https://…run.app`), no trailing path. */
  readonly engineUrl: string;
  /** Loop name: the EchoLoop instance's business key. */
  readonly loopName: string;
  /** GCP project the engine publishes to (process variable `project`). */
  readonly project: string;
  /** Echo topic name (process variable `topic`). */
  readonly topic: string;
  /** Key of the loop's process definition (`EchoLoop`). */
  readonly processDefinitionKey: string;
  /** `id-token`: send a Google ID token for the engine URL; `none`: no token (local engines). */
  readonly auth: 'id-token' | 'none';
  /** Camunda basic-auth user, when the engine's REST API requires it. */
  readonly basicAuthUser?: string;
  /** Camunda basic-auth password (kept secret in the state). */
  readonly basicAuthPassword?: string;
  /** Any change starts a fresh loop (cancels the old one first). */
  readonly restartToken?: string;
  /**
   * A service account (email) whose ID token the starter sends instead of one minted from the
   * deployer's own credentials: the audience is then the engine URL whatever the credentials (a user
   * login, workload identity federation), and the token names that account. The deployer needs
   * roles/iam.serviceAccountTokenCreator on it; the account needs roles/run.invoker on the engine.
   */
  readonly impersonateServiceAccount?: string;
}

/** State after create/update: the inputs plus the running loop's process instance id. */
export interface LoopStarterState extends LoopStarterInputs {
  readonly processInstanceId: string;
}

/** The part of a fetch Response the starter reads. */
export interface HttpResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<HttpResponseLike>;

/** Everything with side effects, injectable for tests. */
export interface LoopStarterDeps {
  readonly fetch: FetchLike;
  /** A Google ID token whose audience is the given URL. */
  readonly idToken: (audience: string) => Promise<string>;
  readonly sleep: (ms: number) => Promise<void>;
  /** Total tries for a request that fails retryably (network error, 408, 429, 5xx). */
  readonly attempts: number;
  /** First delay between tries, doubled up to 30 s. */
  readonly backoffMs: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  readonly log?: (message: string) => void;
}

interface EngineAnswer {
  readonly status: number;
  readonly text: string;
}

/** The part of google-auth-library the starter uses (a stand-in in tests). */
export interface GoogleAuthLibraryLike {
  readonly GoogleAuth: new (options?: { scopes?: string[] }) => {
    getClient(): Promise<unknown>;
    getIdTokenClient(
      audience: string,
    ): Promise<{ idTokenProvider: { fetchIdToken(audience: string): Promise<unknown> } }>;
  };
  readonly Impersonated: new (options: {
    sourceClient: unknown;
    targetPrincipal: string;
    targetScopes: string[];
    lifetime: number;
  }) => { fetchIdToken(audience: string, options: { includeEmail: boolean }): Promise<unknown> };
}

/** Where ID tokens come from: the auth library, and gcloud for a user login without impersonation. */
export interface IdTokenSources {
  readonly library: () => GoogleAuthLibraryLike;
  /** `gcloud auth print-identity-token` (throws when gcloud is missing or logged out). */
  readonly gcloudToken: () => string;
}

function defaultIdTokenSources(): IdTokenSources {
  return {
    // Required here, not imported: the module must load without the library, and Pulumi serializes
    // this function into the dynamic provider, which needs a plain require().
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
    library: () => require('google-auth-library') as GoogleAuthLibraryLike,
    gcloudToken: () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- serialized with this function, see above
      const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
      return String(
        execFileSync('gcloud', ['auth', 'print-identity-token'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: 30_000,
        }),
      ).trim();
    },
  };
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A Google ID token for `audience` from Application Default Credentials. With `impersonate` (a
 * service account's email) the deployer's credentials, whatever their type, ask IAM Credentials for
 * that account's token: the audience is the engine URL and the token carries the account's email.
 * Without it the credentials mint the token themselves: a service-account key or the metadata server
 * gives the right audience; a user login gives the OAuth client's (gcloud's as a fallback), which
 * Cloud Run's IAM accepts but an engine that verifies tokens refuses; workload identity federation
 * cannot mint one at all.
 */
export async function googleIdToken(
  audience: string,
  impersonate?: string,
  sources: IdTokenSources = defaultIdTokenSources(),
): Promise<string> {
  let reason: string;
  try {
    const { GoogleAuth, Impersonated } = sources.library();
    if (impersonate) {
      const sourceClient = await new GoogleAuth({
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      }).getClient();
      const impersonated = new Impersonated({
        sourceClient,
        targetPrincipal: impersonate,
        targetScopes: ['https://www.googleapis.com/auth/cloud-platform'],
        lifetime: 3600,
      });
      const token: unknown = await impersonated.fetchIdToken(audience, { includeEmail: true });
      if (typeof token === 'string' && token.length > 0) return token;
      reason = 'IAM Credentials returned no ID token';
    } else {
      const client = await new GoogleAuth().getIdTokenClient(audience);
      const token: unknown = await client.idTokenProvider.fetchIdToken(audience);
      if (typeof token === 'string' && token.length > 0) return token;
      reason = 'the credentials returned no ID token';
    }
  } catch (err) {
    reason = reasonOf(err);
  }
  if (impersonate) {
    // No fallback: any other token would carry another identity than the one the engine expects.
    throw new Error(
      `cannot obtain a Google ID token for ${audience} as ${impersonate} (${reason}). The deploying identity needs ` +
        `roles/iam.serviceAccountTokenCreator on ${impersonate}, and the IAM Service Account Credentials API ` +
        `(iamcredentials.googleapis.com) must be enabled.`,
    );
  }
  try {
    // A user login cannot mint a token for an audience; Cloud Run's IAM accepts gcloud's.
    const out = sources.gcloudToken();
    if (out.length > 0) return out;
  } catch {
    // Fall through to the error below, which names the ways that work.
  }
  throw new Error(
    `cannot obtain a Google ID token for ${audience} (${reason}). Impersonate a service account ` +
      `(impersonateServiceAccount; works with any credentials, workload identity federation included), run with ` +
      `a service-account key (GOOGLE_APPLICATION_CREDENTIALS) or on Google Cloud, or log in with 'gcloud auth login'.`,
  );
}

/**
 * Production dependencies: global fetch, ID tokens from Application Default Credentials (see
 * {@link googleIdToken}), and retries long enough to ride out a cold start of the engine (about
 * four minutes).
 */
export function defaultLoopStarterDeps(
  options: Pick<LoopStarterInputs, 'impersonateServiceAccount'> = {},
): LoopStarterDeps {
  return {
    fetch: (url, init) => fetch(url, init),
    idToken: (audience) => googleIdToken(audience, options.impersonateServiceAccount),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    attempts: 12,
    backoffMs: 2_000,
    timeoutMs: 60_000,
  };
}

function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

function authHint(inputs: LoopStarterInputs, status: number): string {
  if (status !== 401 && status !== 403) return '';
  if (inputs.basicAuthUser)
    return ' (the deploying identity needs roles/run.invoker on the engine service, and the basic-auth user must be valid)';
  const who = inputs.impersonateServiceAccount ?? 'the deploying identity';
  const fix = inputs.impersonateServiceAccount
    ? ''
    : '; a user login or workload identity federation has no such token: set impersonateServiceAccount';
  return (
    ` (${who} needs roles/run.invoker on the engine service; an engine that verifies callers (REST_AUTH=google) ` +
    `also wants a token whose audience is its URL and whose email is among its callers${fix})`
  );
}

/** One REST call with auth headers and retries on transient failures. */
async function engineRequest(
  inputs: LoopStarterInputs,
  deps: LoopStarterDeps,
  token: () => Promise<string | undefined>,
  method: string,
  path: string,
  body?: unknown,
): Promise<EngineAnswer> {
  const url = `${inputs.engineUrl.replace(/\/+$/, '')}${path}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const idToken = await token();
  if (inputs.basicAuthUser) {
    const credentials = Buffer.from(`${inputs.basicAuthUser}:${inputs.basicAuthPassword ?? ''}`).toString('base64');
    headers.Authorization = `Basic ${credentials}`;
    // Cloud Run reads the ID token here when Authorization carries the app's own credentials.
    if (idToken) headers['X-Serverless-Authorization'] = `Bearer ${idToken}`;
  } else if (idToken) {
    // Cloud Run's IAM checks X-Serverless-Authorization when present (and strips that token's
    // signature); Authorization then reaches the engine intact, for an engine that verifies it.
    headers['X-Serverless-Authorization'] = `Bearer ${idToken}`;
    headers.Authorization = `Bearer ${idToken}`;
  }
  let delay = deps.backoffMs;
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    try {
      const init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal } = {
        method,
        headers,
        signal: AbortSignal.timeout(deps.timeoutMs),
      };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await deps.fetch(url, init);
      const text = await response.text();
      if (!retryableStatus(response.status)) return { status: response.status, text };
      problem = `HTTP ${response.status} ${text.slice(0, 300)}`;
    } catch (err) {
      problem = describeError(err);
    }
    if (attempt >= deps.attempts) {
      throw new Error(`${method} ${url} failed after ${attempt} attempts: ${problem}`);
    }
    deps.log?.(`${method} ${url}: ${problem}; retrying in ${delay} ms`);
    await deps.sleep(delay);
    delay = Math.min(delay * 2, 30_000);
  }
}

/** Fetches the ID token once per operation, and only when the engine needs one. */
function tokenSource(inputs: LoopStarterInputs, deps: LoopStarterDeps): () => Promise<string | undefined> {
  let pending: Promise<string> | undefined;
  return () => {
    if (inputs.auth !== 'id-token') return Promise.resolve(undefined);
    // The audience is the service URL itself: Cloud Run checks it against its own URL.
    pending ??= deps.idToken(inputs.engineUrl.replace(/\/+$/, ''));
    return pending;
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what}: the engine answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
}

async function runningInstanceIds(
  inputs: LoopStarterInputs,
  deps: LoopStarterDeps,
  token: () => Promise<string | undefined>,
): Promise<string[]> {
  const query = new URLSearchParams({
    processDefinitionKey: inputs.processDefinitionKey,
    businessKey: inputs.loopName,
  });
  const answer = await engineRequest(inputs, deps, token, 'GET', `/engine-rest/process-instance?${query.toString()}`);
  const what = `listing ${inputs.processDefinitionKey} instances of loop '${inputs.loopName}'`;
  if (answer.status !== 200) {
    throw new Error(`${what}: HTTP ${answer.status}${authHint(inputs, answer.status)} ${answer.text.slice(0, 300)}`);
  }
  const list = parseJson(answer.text, what);
  if (!Array.isArray(list)) throw new Error(`${what}: expected a JSON array, got ${answer.text.slice(0, 200)}`);
  return list
    .map((item: unknown) => (typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string' && id.length > 0);
}

/**
 * Starts the loop unless an instance with its business key is already running, so running it any
 * number of times leaves exactly one loop. Returns the running instance's id.
 */
export async function ensureLoopRunning(
  inputs: LoopStarterInputs,
  deps: LoopStarterDeps,
): Promise<{ processInstanceId: string; started: boolean }> {
  const token = tokenSource(inputs, deps);
  const running = await runningInstanceIds(inputs, deps, token);
  if (running.length > 0) {
    if (running.length > 1)
      deps.log?.(`loop '${inputs.loopName}' has ${running.length} running instances; keeping them`);
    return { processInstanceId: running[0] as string, started: false };
  }
  const key = encodeURIComponent(inputs.processDefinitionKey);
  const answer = await engineRequest(inputs, deps, token, 'POST', `/engine-rest/process-definition/key/${key}/start`, {
    businessKey: inputs.loopName,
    variables: {
      project: { value: inputs.project, type: 'String' },
      topic: { value: inputs.topic, type: 'String' },
    },
  });
  const what = `starting ${inputs.processDefinitionKey} for loop '${inputs.loopName}'`;
  if (answer.status !== 200) {
    const hint =
      answer.status === 404 ? ' (is the EchoLoop process deployed in this engine?)' : authHint(inputs, answer.status);
    throw new Error(`${what}: HTTP ${answer.status}${hint} ${answer.text.slice(0, 300)}`);
  }
  const started = parseJson(answer.text, what);
  const id = typeof started === 'object' && started !== null ? (started as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id.length === 0) throw new Error(`${what}: the answer has no process instance id`);
  return { processInstanceId: id, started: true };
}

/** Cancels every running instance of the loop; instances that are already gone count as cancelled. */
export async function cancelLoop(inputs: LoopStarterInputs, deps: LoopStarterDeps): Promise<string[]> {
  const token = tokenSource(inputs, deps);
  const running = await runningInstanceIds(inputs, deps, token);
  for (const id of running) {
    const path = `/engine-rest/process-instance/${encodeURIComponent(id)}?skipCustomListeners=true&skipIoMappings=true`;
    const answer = await engineRequest(inputs, deps, token, 'DELETE', path);
    if (answer.status !== 204 && answer.status !== 200 && answer.status !== 404) {
      throw new Error(
        `cancelling loop '${inputs.loopName}' instance ${id}: HTTP ${answer.status}${authHint(inputs, answer.status)} ${answer.text.slice(0, 300)}. ` +
          `If the engine is gone for good, remove the resource with 'pulumi state delete'.`,
      );
    }
  }
  return running;
}

/** Problems with the inputs, as Pulumi check failures (shown at preview). */
export function checkLoopStarterInputs(news: Partial<LoopStarterInputs>): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  // During a preview, values not yet known arrive as Pulumi's unknown sentinel: nothing to check.
  const isUnknown = (value: unknown): boolean =>
    value === undefined || value === '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
  if (!isUnknown(news.engineUrl) && !/^https?:\/\/[^/?#\s]+(?:\/[^?#\s]*)?$/.test(String(news.engineUrl))) {
    failures.push({ property: 'engineUrl', reason: `must be an http(s) URL, got '${String(news.engineUrl)}'` });
  }
  if (
    !isUnknown(news.loopName) &&
    (typeof news.loopName !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/.test(news.loopName))
  ) {
    failures.push({
      property: 'loopName',
      reason: 'must start with a letter and hold only letters, digits, _ . - (at most 100)',
    });
  }
  if (news.auth !== 'id-token' && news.auth !== 'none') {
    failures.push({ property: 'auth', reason: `must be 'id-token' or 'none', got '${String(news.auth)}'` });
  }
  const impersonate = news.impersonateServiceAccount;
  if (!isUnknown(impersonate) && impersonate !== '') {
    if (
      typeof impersonate !== 'string' ||
      !/^[a-z0-9][a-z0-9.-]*@[a-z0-9.-]+\.gserviceaccount\.com$/.test(impersonate)
    ) {
      failures.push({
        property: 'impersonateServiceAccount',
        reason: `must be a service account's email (name@project.iam.gserviceaccount.com), got '${String(impersonate)}'`,
      });
    } else if (news.auth === 'none') {
      failures.push({
        property: 'impersonateServiceAccount',
        reason: "needs auth 'id-token' (auth 'none' sends no token)",
      });
    }
  }
  if (news.basicAuthUser && !news.basicAuthPassword) {
    failures.push({ property: 'basicAuthPassword', reason: 'is required when basicAuthUser is set' });
  }
  return failures;
}

/**
 * What changes mean: a different loop (name, topic, project, definition, restart token) replaces
 * the resource, cancelling the old loop before starting the new one (same business key, so the
 * order matters). A new engine URL or credentials is an update: the loop lives in the database.
 */
export function diffLoopStarter(
  olds: Partial<LoopStarterState>,
  news: Partial<LoopStarterInputs>,
): pulumi.dynamic.DiffResult {
  const replaceKeys = ['loopName', 'project', 'topic', 'processDefinitionKey', 'restartToken'] as const;
  const updateKeys = ['engineUrl', 'auth', 'basicAuthUser', 'basicAuthPassword', 'impersonateServiceAccount'] as const;
  const replaces = replaceKeys.filter((key) => (olds[key] ?? '') !== (news[key] ?? ''));
  const updates = updateKeys.filter((key) => (olds[key] ?? '') !== (news[key] ?? ''));
  return {
    changes: replaces.length + updates.length > 0,
    replaces: [...replaces],
    deleteBeforeReplace: true,
  };
}

/** Keeps only the declared inputs: the state never carries the serialized provider or extras. */
function pickInputs(raw: LoopStarterInputs): LoopStarterInputs {
  const picked: { -readonly [K in keyof LoopStarterInputs]: LoopStarterInputs[K] } = {
    engineUrl: raw.engineUrl,
    loopName: raw.loopName,
    project: raw.project,
    topic: raw.topic,
    processDefinitionKey: raw.processDefinitionKey,
    auth: raw.auth,
  };
  if (raw.basicAuthUser) picked.basicAuthUser = raw.basicAuthUser;
  if (raw.basicAuthPassword) picked.basicAuthPassword = raw.basicAuthPassword;
  if (raw.restartToken) picked.restartToken = raw.restartToken;
  if (raw.impersonateServiceAccount) picked.impersonateServiceAccount = raw.impersonateServiceAccount;
  return picked;
}

/**
 * The dynamic provider. `makeDeps` defaults to {@link defaultLoopStarterDeps}; tests pass fakes.
 * The resource id is `<definition key>/<loop name>`, stable across engine redeploys.
 */
export function loopStarterProvider(
  makeDeps: (inputs: LoopStarterInputs) => LoopStarterDeps = defaultLoopStarterDeps,
): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: unknown, news: LoopStarterInputs) {
      return { inputs: news, failures: checkLoopStarterInputs(news) };
    },
    async diff(_id: string, olds: LoopStarterState, news: LoopStarterInputs) {
      return diffLoopStarter(olds, news);
    },
    async create(inputs: LoopStarterInputs) {
      const clean = pickInputs(inputs);
      const running = await ensureLoopRunning(clean, makeDeps(clean));
      const outs: LoopStarterState = { ...clean, processInstanceId: running.processInstanceId };
      return { id: `${clean.processDefinitionKey}/${clean.loopName}`, outs };
    },
    async update(_id: string, _olds: LoopStarterState, news: LoopStarterInputs) {
      const clean = pickInputs(news);
      // Idempotent: finds the running loop (through the new URL or credentials) or restarts a lost one.
      const running = await ensureLoopRunning(clean, makeDeps(clean));
      const outs: LoopStarterState = { ...clean, processInstanceId: running.processInstanceId };
      return { outs };
    },
    async delete(_id: string, props: LoopStarterState) {
      const clean = pickInputs(props);
      await cancelLoop(clean, makeDeps(clean));
    },
  };
}
