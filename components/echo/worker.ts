// Steps 1 to 6 of EchoLoop: the echo function's push worker (task type `echo`), named after the
// loop's prefix so that the topic stays `<prefix>`, the function account `<prefix>-fn`, and so on.
// The worker's resources used to be the loop's own children: each keeps its old address through an
// alias, so an existing stack moves them under the worker instead of replacing them (a replacement
// would fail on names that still exist).

import * as pulumi from '@pulumi/pulumi';
import { defaultEchoFunctionSource } from '../paths';
import { PUSH_WORKER_TYPE, PushWorker } from '../push-worker';
import { ECHO_DEFAULTS } from './args';
import { withEngineAccessCheck } from './engine-access';
import type { ResolvedEchoLoopArgs } from './resolve-args';
import type { PushSettingValues } from '../push/resolve-args';
import type { SettingInputs } from '../shared/inputs';

/** Gives every child of the worker (not the worker itself) an alias under `formerParent`. */
export function formerlyUnder(formerParent: pulumi.Resource): pulumi.ResourceTransformation {
  return ({ type, props, opts }) =>
    type === PUSH_WORKER_TYPE
      ? undefined
      : { props, opts: pulumi.mergeOptions(opts, { aliases: [{ parent: formerParent }] }) };
}

export function declareEchoWorker(component: pulumi.ComponentResource, args: ResolvedEchoLoopArgs): PushWorker {
  // Defaults applied: every setting is defined.
  const settings = args.settings as SettingInputs<Required<PushSettingValues>>;
  return new PushWorker(
    args.name,
    {
      // An engine that checks its callers must let the function and the starter's account in.
      engine: withEngineAccessCheck(args),
      taskType: ECHO_DEFAULTS.taskType,
      source: args.functionSourceDir ?? defaultEchoFunctionSource(),
      entryPoint: ECHO_DEFAULTS.entryPoint,
      project: args.project,
      region: args.region,
      baseName: args.prefix,
      title: `echo loop ${args.loopName}`,
      ...settings,
      functionRuntime: args.functionRuntime,
      ...(args.buildServiceAccount !== undefined ? { buildServiceAccount: args.buildServiceAccount } : {}),
      ...(args.functionServiceAccount !== undefined ? { functionServiceAccount: args.functionServiceAccount } : {}),
      alertAfterMinutes: args.alertAfterMinutes,
      notificationChannels: args.notificationChannels,
      enableApis: args.enableApis,
      labels: args.labels,
    },
    { parent: component, transformations: [formerlyUnder(component)] },
  );
}
