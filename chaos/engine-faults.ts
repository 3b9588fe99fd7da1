/**
 * The chaos run's faults that change which engines serve, as Cloud Run changes a service's instances
 * behind its load balancer (the stack's engine front, local/engine-front.ts): a second instance joins
 * and leaves, a revision change replaces the instance, every instance scales to zero and one wakes.
 * Each resolves with the moment the fault counts from and what was seen while it played out.
 */
import type { RunningEngine } from '../local/engine';
import type { LocalStack } from '../local/stack';
import type { PlannedFault } from './schedule';

export interface EngineFaultPlayed {
  /** When the fault hit, for its recovery time: the leave, the old engine's SIGTERM, the wake. */
  readonly at: number;
  readonly note: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function playEngineFault(stack: LocalStack, planned: PlannedFault): Promise<EngineFaultPlayed> {
  switch (planned.faultClass) {
    case 'second-engine':
      return secondEngine(stack, planned.holdMs ?? 10_000);
    case 'rolling-redeploy':
      return rollingRedeploy(stack);
    case 'scale-to-zero':
      return scaleToZero(stack, planned.holdMs ?? 60_000);
    default:
      throw new Error(`${planned.faultClass} is not an engine fault`);
  }
}

/** A second engine joins, serves half the replies for `servingMs`, then leaves with SIGTERM. */
async function secondEngine(stack: LocalStack, servingMs: number): Promise<EngineFaultPlayed> {
  const joining = Date.now();
  const second = await stack.addEngine();
  const startup = Date.now() - joining;
  const serving = stack.runningEngines.length;
  await sleep(servingMs);
  const answered = stack.runningEngines.map((engine) => stack.requestsAnsweredBy(engine));
  const at = Date.now();
  const exit = await stack.removeEngine(second, 'SIGTERM');
  return {
    at,
    note: `second engine on port ${second.port} ready after ${seconds(startup)}, ${serving} engines served round-robin for ${seconds(servingMs)} (requests answered so far: ${answered.join(', ')}, the second engine's last), left with SIGTERM (${exitText(exit, at)})`,
  };
}

/**
 * A new engine starts and becomes ready; then the old one gets SIGTERM (SIGKILL 10 s later if still
 * alive) at a moment it is answering a request (up to HOLDING_WAIT_MS): a reply whose transaction may be
 * committing, with the publish of the loop's next task behind it. Jobs it holds, re-publishes in a
 * timer's job, are counted too.
 */
async function rollingRedeploy(stack: LocalStack): Promise<EngineFaultPlayed> {
  const old = stack.engine;
  const joining = Date.now();
  const next = await stack.addEngine();
  const startup = Date.now() - joining;
  const inFlight = await requestsInFlight(stack, old, HOLDING_WAIT_MS);
  const held = queryRows(stack, 'SELECT count(*) FROM act_ru_job WHERE lock_exp_time_ > now()')[0] ?? '0';
  const at = Date.now();
  const exit = await stack.removeEngine(old, 'SIGTERM');
  return {
    at,
    note: `new engine on port ${next.port} ready after ${seconds(startup)}; old engine (port ${old.port}) got SIGTERM with ${inFlight} request(s) in flight and ${held} job(s) locked (${exitText(exit, at)})`,
  };
}

/** Every engine goes (SIGTERM), stays away for `downMs`, then one new engine starts; timed from its readiness. */
async function scaleToZero(stack: LocalStack, downMs: number): Promise<EngineFaultPlayed> {
  const leaving = [...stack.runningEngines];
  const down = Date.now();
  await Promise.all(leaving.map((engine) => stack.removeEngine(engine, 'SIGTERM')));
  await sleep(Math.max(0, downMs - (Date.now() - down)));
  const woke = await stack.addEngine();
  const at = Date.now();
  return {
    at,
    note: `${leaving.length} engine(s) down for ${seconds(at - down)} (${seconds(downMs)} planned, past the push subscription's patience), then one woke on port ${woke.port}; timed from its readiness`,
  };
}

/** How long a rolling redeploy waits to see the old engine hold a job (loops lock one every few hundred ms). */
const HOLDING_WAIT_MS = 5_000;

/** The lock owners of jobs locked now, polled until one shows up or `waitMs` passed. */
/** The requests the engine answers now through the front, polled until there is one or `waitMs` passed. */
async function requestsInFlight(stack: LocalStack, engine: RunningEngine, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const count = stack.requestsInFlightAt(engine);
    if (count > 0 || Date.now() >= deadline) return count;
    await sleep(2);
  }
}

/** Rows of a query on the throwaway PostgreSQL (none without it, or when it fails). */
function queryRows(stack: LocalStack, sql: string): string[] {
  try {
    return (stack.postgres?.query(sql) ?? '').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function exitText(exit: number | string, since: number): string {
  const took = seconds(Date.now() - since);
  return exit === 'SIGKILL' ? `still alive after the grace: SIGKILL, ${took}` : `exited ${exit} after ${took}`;
}
