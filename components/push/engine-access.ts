// A push worker's function as a caller of an engine that checks its callers (REST_AUTH=google): it
// may correlate messages, nothing else. Its account's e-mail is known before the worker exists, so a
// stack can list it among the engine's callers without a cycle (the engine is declared first).

import * as pulumi from '@pulumi/pulumi';
import { type EngineCaller, mayCall, type ResolvedEngineCaller } from '../engine/callers';
import { ConfigurationError, formatProblems } from '../validation';
import { serviceAccountEmail, workerBase, workerNames } from './names';
import type { ResolvedPushWorkerArgs } from './resolve-args';

/** The one REST path a push worker calls (replies and heartbeats). */
export const PUSH_WORKER_PERMISSION = 'POST /engine-rest/message';

/** What names a worker's function account before the worker exists: PushWorker's name and arguments. */
export interface PushWorkerIdentity {
  readonly name: string;
  readonly taskType: string;
  readonly project: pulumi.Input<string>;
  readonly namePrefix?: string;
  readonly baseName?: string;
  readonly functionServiceAccount?: pulumi.Input<string>;
}

/**
 * The engine caller a push worker's function is: the account PushWorker creates for it (derived from
 * `name`, `taskType` and the naming arguments exactly as PushWorker derives it), or the existing one
 * it is given, with `POST /engine-rest/message`.
 */
export function pushWorkerCaller(worker: PushWorkerIdentity): EngineCaller {
  const accountId = workerNames(workerBase(worker)).functionAccountId;
  const email =
    worker.functionServiceAccount ?? pulumi.output(worker.project).apply((p) => serviceAccountEmail(accountId, p));
  return { email, permissions: [PUSH_WORKER_PERMISSION] };
}

/** The problem when the function's account may not reply to the engine (undefined: it may). */
export function functionAccessProblem(
  callers: readonly ResolvedEngineCaller[],
  functionEmail: string,
  callerFunction: string,
): string | undefined {
  if (mayCall(callers, functionEmail, 'POST', '/engine-rest/message')) return undefined;
  return (
    `engine: the engine lets only its callers use the REST API, and the function's account ${functionEmail} may not ` +
    `call '${PUSH_WORKER_PERMISSION}': add ${callerFunction}(...) (or { email: '${functionEmail}', ` +
    `permissions: ['${PUSH_WORKER_PERMISSION}'] }) to the engine's callers`
  );
}

/**
 * `settings`, failing once the engine's callers and the function's e-mail are known (at preview when
 * they are plain) if the function could not reply to the engine: every resource that reads the
 * settings fails with the fix. Unchanged when the engine does not check its callers.
 */
export function withFunctionAccessCheck<T>(
  args: Pick<ResolvedPushWorkerArgs, 'name' | 'engine' | 'project' | 'base' | 'taskType' | 'functionServiceAccount'>,
  settings: pulumi.Output<T>,
): pulumi.Output<T> {
  const { engine } = args;
  if (engine.restCallers === undefined) return settings;
  const functionEmail = pushWorkerCaller({
    name: args.name,
    taskType: args.taskType,
    project: args.project,
    baseName: args.base,
    ...(args.functionServiceAccount !== undefined ? { functionServiceAccount: args.functionServiceAccount } : {}),
  }).email;
  return pulumi.all([settings, engine.restCallers, functionEmail]).apply(([values, callers, email]) => {
    const problem = functionAccessProblem(callers, email, 'pushWorkerCaller');
    if (problem)
      throw new ConfigurationError(`PushWorker '${args.name}': invalid arguments:\n${formatProblems([problem])}`);
    return values;
  }) as pulumi.Output<T>;
}
