// The echo loop's identities as callers of an engine that checks them (REST_AUTH=google): the
// function may correlate messages, the loop starter's account (given, or the loop's own) may do
// everything. Both accounts' e-mails are known before the loop exists, so a stack can list them
// among the engine's callers without a cycle (the engine is declared first).

import * as pulumi from '@pulumi/pulumi';
import { type EngineCaller, mayCall, type ResolvedEngineCaller } from '../engine/callers';
import { ConfigurationError, formatProblems, sanitizePrefix } from '../validation';
import type { ResolvedEchoLoopArgs } from './resolve-args';

/** The one REST path the echo function calls. */
export const ECHO_FUNCTION_PERMISSION = 'POST /engine-rest/message';

/** The permission of the loop starter's account: it starts and cancels the loop and reads instances. */
export const ECHO_STARTER_PERMISSION = '*';

/**
 * Account id of the starter's own account. Ids are 6 to 30 characters: the longest prefix (20) plus
 * `-starter` is 28, the shortest (4) 12.
 */
export function starterAccountId(prefix: string): string {
  return `${prefix}-starter`;
}

/** A service account's e-mail from its id and project (`example.com:p` projects included). */
function serviceAccountEmail(accountId: string, project: string): string {
  const [domain, id] = project.includes(':') ? project.split(':') : [undefined, project];
  return `${accountId}@${domain !== undefined ? `${id}.${domain}` : id}.iam.gserviceaccount.com`;
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
  const prefix = loop.namePrefix ?? sanitizePrefix(loop.name);
  const email =
    loop.functionServiceAccount ?? pulumi.output(loop.project).apply((p) => serviceAccountEmail(`${prefix}-fn`, p));
  return { email, permissions: [ECHO_FUNCTION_PERMISSION] };
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
  if (!mayCall(callers, functionEmail, 'POST', '/engine-rest/message')) {
    problems.push(
      `engine: the engine lets only its callers use the REST API, and the function's account ${functionEmail} may not ` +
        `call '${ECHO_FUNCTION_PERMISSION}': add echoFunctionCaller(...) (or { email: '${functionEmail}', ` +
        `permissions: ['${ECHO_FUNCTION_PERMISSION}'] }) to the engine's callers`,
    );
  }
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
 * `settings`, failing once the engine's callers and the e-mails are known (at preview when they
 * are plain) if the loop could not call the engine: every resource that reads the settings fails
 * with the fix. Unchanged when the engine does not check its callers.
 */
export function withEngineAccessCheck<T>(args: ResolvedEchoLoopArgs, settings: pulumi.Output<T>): pulumi.Output<T> {
  const { engine } = args;
  if (engine.restCallers === undefined) return settings;
  const functionEmail = echoFunctionCaller({
    name: args.name,
    project: args.project,
    namePrefix: args.prefix,
    ...(args.functionServiceAccount !== undefined ? { functionServiceAccount: args.functionServiceAccount } : {}),
  }).email;
  const ownStarter = args.ownStarterAccount
    ? echoStarterCaller({ name: args.name, project: args.project, namePrefix: args.prefix }).email
    : undefined;
  return pulumi
    .all([settings, engine.restCallers, functionEmail, args.starterServiceAccount, ownStarter])
    .apply(([values, callers, fn, given, own]) => {
      const starter =
        own !== undefined ? { email: own, own: true } : given !== undefined ? { email: given, own: false } : undefined;
      const problems = engineAccessProblems(callers, fn, starter);
      if (problems.length > 0) {
        throw new ConfigurationError(`EchoLoop '${args.name}': invalid arguments:\n${formatProblems(problems)}`);
      }
      return values;
    }) as pulumi.Output<T>;
}
