// EchoLoop's arguments turned into one fully-defaulted record, checked before any resource exists,
// so the decisions can be tested without Pulumi. Settings that may be Outputs are checked as far as
// they are known now and again once they resolve (checkedEchoSettings, PushWorker's checks).

import * as pulumi from '@pulumi/pulumi';
import {
  alertProblems,
  checkedPushSettings,
  engineProblems,
  pushSettingInputs,
  type PushSettingValues,
  pushSettingsSchema,
  type ResolvedPushWorkerArgs,
} from '../push/resolve-args';
import { problemsNow, type SettingInputs } from '../shared/inputs';
import { NAME_PREFIX, SAFE_NAME, sanitizePrefix, throwIfProblems } from '../validation';
import { ECHO_DEFAULTS, type EchoLoopArgs } from './args';

/** The settings that may be Outputs (PushWorker's), as checked. */
export type EchoSettingValues = PushSettingValues;

/** Every argument of EchoLoop with its default applied; see EchoLoopArgs (and ResolvedPushWorkerArgs for the shared ones). */
export interface ResolvedEchoLoopArgs extends Pick<
  ResolvedPushWorkerArgs,
  | 'name'
  | 'engine'
  | 'project'
  | 'region'
  | 'alertAfterMinutes'
  | 'functionRuntime'
  | 'buildServiceAccount'
  | 'functionServiceAccount'
  | 'notificationChannels'
  | 'enableApis'
  | 'labels'
> {
  /** Prefix of physical names. */
  readonly prefix: string;
  readonly loopName: string;
  readonly processDefinitionKey: string;
  /** The function's source; undefined: this repository's echo-function/ (looked up when read). */
  readonly functionSourceDir: string | undefined;
  /** The account the loop starter impersonates; undefined: its own (see ownStarterAccount) or the deployer's. */
  readonly starterServiceAccount: pulumi.Input<string> | undefined;
  readonly startLoop: boolean;
  /**
   * Whether the loop creates the starter's account (`<prefix>-starter`) and impersonates it: the loop
   * is started, the engine checks its callers, and no starterServiceAccount is given. The deployer's
   * own credentials are no caller then (and a user login's ID token has the wrong audience).
   */
  readonly ownStarterAccount: boolean;
  /** Whether the loop starter impersonates an account (given or its own): it calls the IAM Credentials API. */
  readonly starterImpersonates: boolean;
  readonly restartToken: pulumi.Input<string> | undefined;
  /** The settings that may be Outputs, defaults applied, for checkedEchoSettings. */
  readonly settings: SettingInputs<EchoSettingValues>;
}

/** The shortest prefix: account ids (`<prefix>-fn`) need 6 characters, topic names 3; 4 leaves room. */
export const ECHO_PREFIX_MIN = 4;

/** Problems with the plain arguments: names and the alert window. */
function plainProblems(name: string, args: EchoLoopArgs | undefined): string[] {
  const problems = engineProblems(args);
  const prefix = args?.namePrefix ?? sanitizePrefix(name);
  if (!NAME_PREFIX.test(prefix) || prefix.length < ECHO_PREFIX_MIN) {
    problems.push(
      `namePrefix '${prefix}' must be ${ECHO_PREFIX_MIN} to 20 lowercase letters, digits or hyphens, starting with a letter ` +
        `(service account ids such as '<prefix>-fn' need at least 6 characters)`,
    );
  }
  const loopName = args?.loopName ?? ECHO_DEFAULTS.loopName;
  if (!SAFE_NAME.test(loopName)) {
    problems.push(`loopName '${loopName}' must start with a letter and hold only letters, digits, _ . - (at most 100)`);
  }
  const definitionKey = args?.processDefinitionKey ?? ECHO_DEFAULTS.processDefinitionKey;
  if (!SAFE_NAME.test(definitionKey)) {
    problems.push(`processDefinitionKey '${definitionKey}' is not a valid process definition key`);
  }
  problems.push(...alertProblems(args?.alertAfterMinutes));
  return problems;
}

/**
 * Applies every default of EchoLoop and checks what can be checked now. Throws one
 * ConfigurationError listing every problem, each naming its argument.
 */
export function resolveEchoLoopArgs(name: string, args: EchoLoopArgs): ResolvedEchoLoopArgs {
  const settings = pushSettingInputs(args);
  throwIfProblems(`EchoLoop '${name}': invalid arguments`, [
    ...plainProblems(name, args),
    ...problemsNow(pushSettingsSchema, settings),
  ]);
  const { engine } = args;
  const loopName = args.loopName ?? ECHO_DEFAULTS.loopName;
  const startLoop = args.startLoop ?? true;
  const ownStarterAccount = startLoop && engine.restCallers !== undefined && args.starterServiceAccount === undefined;
  return {
    name,
    engine,
    project: pulumi.output(args.project ?? engine.project),
    region: pulumi.output(args.region ?? engine.location),
    prefix: args.namePrefix ?? sanitizePrefix(name),
    loopName,
    processDefinitionKey: args.processDefinitionKey ?? ECHO_DEFAULTS.processDefinitionKey,
    alertAfterMinutes: args.alertAfterMinutes ?? ECHO_DEFAULTS.alertAfterMinutes,
    functionRuntime: args.functionRuntime ?? ECHO_DEFAULTS.functionRuntime,
    functionSourceDir: args.functionSourceDir,
    buildServiceAccount: args.buildServiceAccount,
    functionServiceAccount: args.functionServiceAccount,
    starterServiceAccount: args.starterServiceAccount,
    startLoop,
    ownStarterAccount,
    starterImpersonates: startLoop && (ownStarterAccount || args.starterServiceAccount !== undefined),
    restartToken: args.restartToken,
    notificationChannels: args.notificationChannels ?? [],
    enableApis: args.enableApis !== false,
    labels: {
      app: 'camunda-serverless',
      'managed-by': 'pulumi',
      loop: sanitizePrefix(loopName, 63),
      ...(args.labels ?? {}),
    },
    settings,
  };
}

/** The settings of `resolved` as one Output that checks every value once it resolves. */
export function checkedEchoSettings(resolved: ResolvedEchoLoopArgs): pulumi.Output<Required<EchoSettingValues>> {
  return checkedPushSettings(resolved, 'EchoLoop');
}
