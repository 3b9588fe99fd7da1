// The echo loop's identities as callers of an engine that checks them (REST_AUTH=google): the
// function may correlate messages, the loop starter's account (when it impersonates one) may do
// everything. The function's account e-mail is known before the loop exists, so a stack can list it
// among the engine's callers without a cycle (the engine is declared first).

import * as pulumi from '@pulumi/pulumi';
import { type EngineCaller, mayCall, type ResolvedEngineCaller } from '../engine/callers';
import { ConfigurationError, formatProblems, sanitizePrefix } from '../validation';
import type { ResolvedEchoLoopArgs } from './resolve-args';

/** The one REST path the echo function calls. */
export const ECHO_FUNCTION_PERMISSION = 'POST /engine-rest/message';

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

/** What is wrong with the loop's access to an engine that checks its callers (empty: nothing). */
export function engineAccessProblems(
  callers: readonly ResolvedEngineCaller[],
  functionEmail: string,
  starterEmail: string | undefined,
): string[] {
  const problems: string[] = [];
  if (!mayCall(callers, functionEmail, 'POST', '/engine-rest/message')) {
    problems.push(
      `engine: the engine lets only its callers use the REST API, and the function's account ${functionEmail} may not ` +
        `call '${ECHO_FUNCTION_PERMISSION}': add echoFunctionCaller(...) (or { email: '${functionEmail}', ` +
        `permissions: ['${ECHO_FUNCTION_PERMISSION}'] }) to the engine's callers`,
    );
  }
  if (
    starterEmail !== undefined &&
    !mayCall(callers, starterEmail, 'POST', '/engine-rest/process-definition/key/x/start')
  ) {
    problems.push(
      `starterServiceAccount: ${starterEmail} starts and cancels the loop through the engine's REST API and is not ` +
        "among the engine's callers with permission '*': add it to the engine's operators",
    );
  }
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
  return pulumi
    .all([settings, engine.restCallers, functionEmail, args.starterServiceAccount])
    .apply(([values, callers, fn, starter]) => {
      const problems = engineAccessProblems(callers, fn, starter);
      if (problems.length > 0) {
        throw new ConfigurationError(`EchoLoop '${args.name}': invalid arguments:\n${formatProblems(problems)}`);
      }
      return values;
    }) as pulumi.Output<T>;
}
