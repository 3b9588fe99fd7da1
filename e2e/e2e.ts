// The end-to-end check of a real deployment, written against two small interfaces (the stack and an
// authorised HTTP GET) so that its logic is tested with fakes: the real run needs the Pulumi CLI,
// Google credentials and a project, which CI runners have and development machines may not.
//
// create stack → up → wait for N round trips with exactly one PushTask → destroy → remove stack.
// Destroy runs whatever happened before; the stack is removed only after a successful destroy, so a
// failed destroy leaves the state that lists what is still running.

import type { E2eOptions } from './options';

/** The Pulumi stack, as far as the run uses it. */
export interface StackOperations {
  /** `pulumi up`; resolves to the stack outputs as plain values (secrets are never read). */
  up(onOutput: (text: string) => void): Promise<Record<string, unknown>>;
  destroy(onOutput: (text: string) => void): Promise<void>;
  /** Removes the (empty) stack and its configuration. */
  remove(): Promise<void>;
}

export interface StackFactory {
  /** Creates the stack (failing when it exists already) and sets its configuration. */
  create(stackName: string, config: Readonly<Record<string, string>>): Promise<StackOperations>;
}

export interface HttpAnswer {
  readonly status: number;
  /** Parsed JSON, or the text when it is not JSON. */
  readonly body: unknown;
}

/** GET with an identity the private engine accepts (an ID token whose audience is the engine URL). */
export type AuthorizedGet = (url: string) => Promise<HttpAnswer>;

export interface E2eDeps {
  readonly stacks: StackFactory;
  /** An authorised GET for the engine at this base URL. */
  readonly engineClient: (engineUrl: string) => AuthorizedGet;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
  /** Aborted (e.g. on Ctrl-C): stop waiting and go on to destroy. */
  readonly signal?: AbortSignal;
}

export interface E2eResult {
  readonly passed: boolean;
  /** Everything that went wrong, in order. Empty when passed. */
  readonly failures: readonly string[];
  /** Round trips the loop had completed at the last look. */
  readonly roundTrips: number;
  /** Whether the stack's resources were destroyed: false means some may still run (and cost). */
  readonly destroyed: boolean;
}

/** What one look at the engine found. */
export interface LoopSample {
  /** Running EchoLoop instances with the loop's business key. */
  readonly loops: number;
  /** Round trips completed (the loop's `iteration` names the one in flight). */
  readonly roundTrips: number;
  /** Running PushTask instances of the loop (business key = loop name). */
  readonly activeEchos: number;
  /** Open incidents in the engine. */
  readonly incidents: number;
  /** The first incident's message, if any (for the report). */
  readonly incidentMessage?: string | undefined;
}

/** A failure that no amount of waiting will fix: stop polling at once. */
export class LoopFailure extends Error {
  override readonly name = 'LoopFailure';
}

const PROCESS_LOOP = 'EchoLoop';
const PROCESS_ECHO = 'PushTask';

/** The Automation API puts the whole command output into its errors; that output was shown already. */
const LONGEST_MESSAGE = 2000;

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > LONGEST_MESSAGE
    ? `${message.slice(0, LONGEST_MESSAGE)}… (cut; the whole output is above)`
    : message;
}

/** Pulumi prints whole blocks; the run prefixes each line so its own steps stand out. */
function pulumiLines(log: (line: string) => void): (text: string) => void {
  return (text) => {
    for (const line of text.replace(/\n$/, '').split('\n')) log(`  | ${line}`);
  };
}

/** A GET that must answer 200 with JSON; auth failures are final, anything else may pass. */
async function getJson(get: AuthorizedGet, url: string, what: string): Promise<unknown> {
  const answer = await get(url);
  if (answer.status === 401 || answer.status === 403) {
    throw new LoopFailure(
      `${what}: HTTP ${answer.status}: the identity running the e2e needs roles/run.invoker on the engine service ` +
        `(with --impersonate-service-account, the impersonated account does), and an engine that verifies callers ` +
        `must list it among its operators; the stack's engine must be private, not basic-auth`,
    );
  }
  if (answer.status !== 200) {
    const detail = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    throw new Error(`${what}: HTTP ${answer.status} ${String(detail).slice(0, 200)}`);
  }
  return answer.body;
}

function asArray(value: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a JSON array`);
  return value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
}

/** One look at the loop through the engine's REST API. */
export async function sampleLoop(get: AuthorizedGet, engineUrl: string, loopName: string): Promise<LoopSample> {
  const rest = `${engineUrl.replace(/\/+$/, '')}/engine-rest`;
  const key = encodeURIComponent(loopName);
  const loops = asArray(
    await getJson(
      get,
      `${rest}/process-instance?processDefinitionKey=${PROCESS_LOOP}&businessKey=${key}`,
      'listing the loop',
    ),
    'listing the loop',
  );
  const echos = asArray(
    await getJson(
      get,
      `${rest}/process-instance?processDefinitionKey=${PROCESS_ECHO}&businessKey=${key}&active=true`,
      'listing active PushTask instances',
    ),
    'listing active PushTask instances',
  );
  const incidents = asArray(
    await getJson(get, `${rest}/incident?maxResults=5`, 'listing incidents'),
    'listing incidents',
  );
  let roundTrips = 0;
  const loopId = loops[0]?.id;
  if (loops.length === 1 && typeof loopId === 'string') {
    const variable = await getJson(
      get,
      `${rest}/process-instance/${encodeURIComponent(loopId)}/variables/iteration?deserializeValue=false`,
      "reading the loop's iteration",
    );
    const value =
      typeof variable === 'object' && variable !== null ? (variable as { value?: unknown }).value : undefined;
    if (typeof value === 'number') roundTrips = Math.max(0, value - 1);
  }
  const first = incidents[0];
  const incidentMessage = first
    ? `${String(first.incidentType)} at ${String(first.activityId)}: ${String(first.incidentMessage).slice(0, 200)}`
    : undefined;
  return { loops: loops.length, roundTrips, activeEchos: echos.length, incidents: incidents.length, incidentMessage };
}

/**
 * Polls until the loop completed `roundTrips` round trips with exactly one active PushTask. Throws a
 * LoopFailure for what waiting cannot fix (no loop, a multiplied loop, an incident, refused access)
 * and when the time is up; transient errors (a cold start, a 503) are logged and polled through.
 */
export async function waitForRoundTrips(
  get: AuthorizedGet,
  engineUrl: string,
  loopName: string,
  options: Pick<E2eOptions, 'roundTrips' | 'timeoutMs' | 'pollMs'>,
  deps: Pick<E2eDeps, 'now' | 'sleep' | 'log' | 'signal'>,
  progress: (roundTrips: number) => void = () => undefined,
): Promise<LoopSample> {
  const deadline = deps.now() + options.timeoutMs;
  // Every look sets it (or ends the wait) before the deadline is checked.
  let lastProblem: string;
  let last: LoopSample | undefined;
  for (;;) {
    if (deps.signal?.aborted) throw new LoopFailure('interrupted while waiting for the loop');
    try {
      const sample = await sampleLoop(get, engineUrl, loopName);
      last = sample;
      progress(sample.roundTrips);
      if (sample.loops === 0)
        throw new LoopFailure(
          `no running ${PROCESS_LOOP} instance with business key '${loopName}': the loop was not started, or it ended`,
        );
      if (sample.loops > 1)
        throw new LoopFailure(
          `${sample.loops} ${PROCESS_LOOP} instances with business key '${loopName}': the loop multiplied`,
        );
      if (sample.activeEchos > 1)
        throw new LoopFailure(
          `${sample.activeEchos} active PushTask instances of loop '${loopName}' at once: the loop multiplied`,
        );
      if (sample.incidents > 0)
        throw new LoopFailure(
          `the engine has ${sample.incidents === 5 ? '5 or more' : sample.incidents} incident(s); first: ${sample.incidentMessage ?? '?'}`,
        );
      deps.log(
        `e2e: loop '${loopName}': ${sample.roundTrips}/${options.roundTrips} round trips, ${sample.activeEchos} active PushTask`,
      );
      if (sample.roundTrips >= options.roundTrips && sample.activeEchos === 1) return sample;
      lastProblem =
        sample.activeEchos === 0
          ? 'no active PushTask at the last look'
          : `${sample.roundTrips} of ${options.roundTrips} round trips at the last look`;
    } catch (err) {
      if (err instanceof LoopFailure) throw err;
      lastProblem = describe(err);
      deps.log(`e2e: the engine did not answer as expected (${lastProblem}); trying again`);
    }
    const left = deadline - deps.now();
    if (left <= 0) {
      const figures = last ? ` (${last.roundTrips} round trips, ${last.activeEchos} active PushTask)` : '';
      throw new LoopFailure(
        `the loop did not complete ${options.roundTrips} round trips within ${Math.round(options.timeoutMs / 60_000)} min${figures}: ${lastProblem}`,
      );
    }
    await deps.sleep(Math.min(options.pollMs, left));
  }
}

/** Reads the outputs the run needs from the stack's exports (see index.ts). */
export function engineOutputs(outputs: Record<string, unknown>): { engineUrl: string; loopName: string } {
  const engineUrl = outputs.engineUrl;
  const loopName = outputs.loopName;
  if (typeof engineUrl !== 'string' || !/^https?:\/\//.test(engineUrl))
    throw new Error(`the stack exported no engineUrl (got ${JSON.stringify(engineUrl)})`);
  if (typeof loopName !== 'string' || loopName === '')
    throw new Error('the stack exported no loopName: is the echo loop switched off?');
  return { engineUrl, loopName };
}

/** The whole run. Never throws: every failure ends up in the result, and cleanup always runs. */
export async function runE2e(
  options: E2eOptions,
  config: Readonly<Record<string, string>>,
  deps: E2eDeps,
): Promise<E2eResult> {
  const started = deps.now();
  const failures: string[] = [];
  const elapsed = (): string => {
    const seconds = Math.round((deps.now() - started) / 1000);
    return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  };
  const step = (text: string): void => deps.log(`e2e [${elapsed()}] ${text}`);
  const pulumiOutput = pulumiLines(deps.log);
  let roundTrips = 0;

  step(
    `1/5 creating stack ${options.stackName} in project ${options.project}, region ${options.region} (resource prefix ${options.namePrefix})`,
  );
  let stack: StackOperations;
  try {
    stack = await deps.stacks.create(options.stackName, config);
  } catch (err) {
    failures.push(`creating the stack failed: ${describe(err)}`);
    step(`FAILED: ${failures[0]}`);
    // Nothing was deployed, so nothing is left to clean up.
    return { passed: false, failures, roundTrips, destroyed: true };
  }

  try {
    step('2/5 pulumi up');
    const outputs = await stack.up(pulumiOutput);
    const { engineUrl, loopName } = engineOutputs(outputs);
    step(`2/5 up done: engine ${engineUrl}, loop '${loopName}'`);
    step(
      `3/5 waiting for ${options.roundTrips} round trips with exactly one active PushTask (at most ${Math.round(options.timeoutMs / 60_000)} min)`,
    );
    const sample = await waitForRoundTrips(deps.engineClient(engineUrl), engineUrl, loopName, options, deps, (n) => {
      roundTrips = n;
    });
    roundTrips = sample.roundTrips;
    step(`3/5 passed: ${sample.roundTrips} round trips, exactly one active PushTask, no incident`);
  } catch (err) {
    failures.push(describe(err));
    step(`FAILED: ${describe(err)}`);
  }

  let destroyed = false;
  step('4/5 pulumi destroy');
  try {
    await stack.destroy(pulumiOutput);
    destroyed = true;
    step('5/5 removing the stack');
    try {
      await stack.remove();
    } catch (err) {
      failures.push(
        `removing the stack failed (its resources are gone): ${describe(err)}; remove it with: pulumi stack rm ${options.stackName}`,
      );
      step(`FAILED: ${failures[failures.length - 1]}`);
    }
  } catch (err) {
    failures.push(
      `destroy failed: ${describe(err)}. Resources of stack ${options.stackName} may still run (and cost); ` +
        `the stack is kept: run pulumi destroy --stack ${options.stackName}, then pulumi stack rm ${options.stackName}`,
    );
    step(`FAILED: ${failures[failures.length - 1]}`);
  }

  const passed = failures.length === 0;
  step(
    passed
      ? `PASSED: ${roundTrips} round trips; stack destroyed and removed`
      : `FAILED (${failures.length} problem${failures.length > 1 ? 's' : ''}):`,
  );
  if (!passed) for (const failure of failures) deps.log(`  - ${failure}`);
  return { passed, failures, roundTrips, destroyed };
}
