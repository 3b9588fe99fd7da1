// The echo loop's identities as callers of an engine that checks them (REST_AUTH=google): the
// function may correlate messages, the loop starter's account (given, or the loop's own) may do
// everything. Both accounts' e-mails are known before the loop exists, so a stack can list them
// among the engine's callers without a cycle (the engine is declared first).

import * as pulumi from '@pulumi/pulumi';
import { type EngineCaller, mayCall, type ResolvedEngineCaller } from '../engine/callers';
import type { EngineEndpoint } from '../engine/endpoint';
import { functionAccessProblem, PUSH_WORKER_PERMISSION, pushWorkerCaller } from '../push/engine-access';
import { serviceAccountEmail } from '../push/names';
import { ConfigurationError, formatProblems, sanitizePrefix } from '../validation';
import { ECHO_DEFAULTS } from './args';
import type { ResolvedEchoLoopArgs } from './resolve-args';

/** The one REST path the echo function calls (a push worker's). */
export const ECHO_FUNCTION_PERMISSION = PUSH_WORKER_PERMISSION;

/** The permission of the loop starter's account: it starts and cancels the loop and reads instances. */
export const ECHO_STARTER_PERMISSION = '*';

/**
 * Account id of the starter's own account. Ids are 6 to 30 characters: the longest prefix (20) plus
 * `-starter` is 28, the shortest (4) 12.
 */
export function starterAccountId(prefix: string): string {
  return `${prefix}-starter`;
}

/**
 * The engine caller the echo function needs: the account EchoLoop creates for it
 * (`<namePrefix>-fn`, the prefix as EchoLoop derives it from `name` when none is given), or the
 * existing one it is given, with `POST /engine-rest/message`.
 */
export function echoFunctionCaller(loop: {
  readonly name: string;
  readonly project: pulumi.Input<string>;
  readonly namePrefix?: string;
  readonly functionServiceAccount?: pulumi.Input<string>;
}): EngineCaller {
  // The echo loop's worker names everything after the loop's prefix (see echo/worker.ts).
  return pushWorkerCaller({
    name: loop.name,
    taskType: ECHO_DEFAULTS.taskType,
    project: loop.project,
    baseName: loop.namePrefix ?? sanitizePrefix(loop.name),
    ...(loop.functionServiceAccount !== undefined ? { functionServiceAccount: loop.functionServiceAccount } : {}),
  });
}

/**
 * The engine caller the loop starter's own account is (`<namePrefix>-starter`, created by EchoLoop
 * when the engine checks its callers and no starterServiceAccount is given), with permission `*`.
 */
export function echoStarterCaller(loop: {
  readonly name: string;
  readonly project: pulumi.Input<string>;
  readonly namePrefix?: string;
}): EngineCaller {
  const prefix = loop.namePrefix ?? sanitizePrefix(loop.name);
  const email = pulumi.output(loop.project).apply((p) => serviceAccountEmail(starterAccountId(prefix), p));
  return { email, permissions: [ECHO_STARTER_PERMISSION] };
}

/** The loop starter's identity as the check sees it: a given account, or the loop's own. */
export interface StarterCaller {
  readonly email: string;
  readonly own: boolean;
}

/** What is wrong with the loop's access to an engine that checks its callers (empty: nothing). */
export function engineAccessProblems(
  callers: readonly ResolvedEngineCaller[],
  functionEmail: string,
  starter: StarterCaller | undefined,
): string[] {
  const problems: string[] = [];
  const functionProblem = functionAccessProblem(callers, functionEmail, 'echoFunctionCaller');
  if (functionProblem) problems.push(functionProblem);
  if (starter === undefined || mayCall(callers, starter.email, 'POST', '/engine-rest/process-definition/key/x/start')) {
    return problems;
  }
  problems.push(
    starter.own
      ? `engine: the loop starter runs as the loop's own account ${starter.email}, which starts and cancels the loop ` +
          "through the engine's REST API and is not among the engine's callers with permission '*': add " +
          `echoStarterCaller(...) (or '${starter.email}') to the engine's operators, or pass starterServiceAccount, ` +
          'or set startLoop to false'
      : `starterServiceAccount: ${starter.email} starts and cancels the loop through the engine's REST API and is not ` +
          "among the engine's callers with permission '*': add it to the engine's operators",
  );
  return problems;
}

/**
 * The engine as the loop's worker sees it: its callers, failing once they and the e-mails are known
 * (at preview when they are plain) if the loop could not call the engine, so that every resource of
 * the worker fails with the fix. Unchanged when the engine does not check its callers.
 */
export function withEngineAccessCheck(args: ResolvedEchoLoopArgs): EngineEndpoint {
  const { engine } = args;
  if (engine.restCallers === undefined) return engine;
  const functionEmail = echoFunctionCaller({
    name: args.name,
    project: args.project,
    namePrefix: args.prefix,
    ...(args.functionServiceAccount !== undefined ? { functionServiceAccount: args.functionServiceAccount } : {}),
  }).email;
  const ownStarter = args.ownStarterAccount
    ? echoStarterCaller({ name: args.name, project: args.project, namePrefix: args.prefix }).email
    : undefined;
  const restCallers = pulumi
    .all([engine.restCallers, functionEmail, args.starterServiceAccount, ownStarter])
    .apply(([callers, fn, given, own]) => {
      const starter =
        own !== undefined ? { email: own, own: true } : given !== undefined ? { email: given, own: false } : undefined;
      const problems = engineAccessProblems(callers, fn, starter);
      if (problems.length > 0) {
        throw new ConfigurationError(`EchoLoop '${args.name}': invalid arguments:\n${formatProblems(problems)}`);
      }
      return callers;
    });
  return { ...engine, restCallers };
}
