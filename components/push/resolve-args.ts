// PushWorker's arguments turned into one fully-defaulted record, checked before any resource exists,
// so the decisions can be tested without Pulumi. Settings that may be Outputs are checked as far as
// they are known now and again once they resolve (checkedPushSettings).

import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import type { EngineEndpoint } from '../engine/endpoint';
import { ALERT_MINUTES_MAX, ALERT_MINUTES_MIN } from '../monitoring';
import { checkWhenResolved, problemsNow, type SettingInputs } from '../shared/inputs';
import { isSecretName, MEMORY, NAME_PREFIX, sanitizePrefix, throwIfProblems } from '../validation';
import { PUSH_DEFAULTS, type PushWorkerArgs } from './args';
import { BASE_NAME, BASE_NAME_MAX, TASK_TYPE, workerBase, type WorkerNames, workerNames } from './names';

/** The checks that can run on plain values now and on Output values once they resolve. */
export const pushSettingsSchema = z
  .object({
    maxDeliveryAttempts: z
      .number()
      .int()
      .min(5, 'must be at least 5 (Pub/Sub minimum)')
      .max(100, 'must be at most 100 (Pub/Sub maximum)'),
    functionTimeoutSeconds: z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(590, 'must be at most 590 (the ack deadline, 10 s more, caps at 600)'),
    functionMemory: z.string().regex(MEMORY, "must be a size such as '256M' or '512Mi'"),
    functionMaxInstances: z.number().int().min(1, 'must be at least 1'),
    functionMinInstances: z.number().int().min(0, 'must be 0 or more'),
    engineTimeoutMs: z.number().int().min(1000, 'must be at least 1000'),
    deadLetterRetention: z.string().regex(/^\d+s$/, "must be seconds such as '604800s'"),
  })
  .partial()
  .superRefine((v, ctx) => {
    if (
      v.functionMinInstances !== undefined &&
      v.functionMaxInstances !== undefined &&
      v.functionMinInstances > v.functionMaxInstances
    ) {
      ctx.addIssue({ code: 'custom', path: ['functionMinInstances'], message: 'must not exceed functionMaxInstances' });
    }
    if (
      v.engineTimeoutMs !== undefined &&
      v.functionTimeoutSeconds !== undefined &&
      v.engineTimeoutMs >= v.functionTimeoutSeconds * 1000
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['engineTimeoutMs'],
        message: `(${v.engineTimeoutMs}) must be below functionTimeoutSeconds × 1000 (${v.functionTimeoutSeconds * 1000}), or the function times out first`,
      });
    }
  });

/** The settings that may be Outputs, as checked. */
export type PushSettingValues = z.output<typeof pushSettingsSchema>;

/** Every argument of PushWorker with its default applied; see PushWorkerArgs. */
export interface ResolvedPushWorkerArgs {
  /** The component's name: every child's name starts with it. */
  readonly name: string;
  readonly engine: EngineEndpoint;
  readonly taskType: string;
  readonly source: string;
  readonly entryPoint: string;
  /** Project of the topics and the function: `project`, else the engine's. */
  readonly project: pulumi.Output<string>;
  /** Region of the function: `region`, else the engine's. */
  readonly region: pulumi.Output<string>;
  /** The base of the physical names (`baseName`, else `<namePrefix>-<taskType>`). */
  readonly base: string;
  /** Every physical name, within GCP's limits. */
  readonly names: WorkerNames;
  readonly title: string;
  readonly alertAfterMinutes: number;
  readonly functionRuntime: pulumi.Input<string>;
  /** Who builds the function; undefined: a dedicated account of the worker's own. */
  readonly buildServiceAccount: pulumi.Input<string> | undefined;
  /** The existing account the function runs as; undefined: a dedicated one. */
  readonly functionServiceAccount: pulumi.Input<string> | undefined;
  /** The user's extra environment variables (checked: no reserved or secret-like names). */
  readonly environment: Record<string, pulumi.Input<string>>;
  readonly notificationChannels: pulumi.Input<pulumi.Input<string>[]>;
  readonly enableApis: boolean;
  /** Labels of every resource that takes labels, the component's own first. */
  readonly labels: Record<string, string>;
  /** The settings that may be Outputs, defaults applied, for checkedPushSettings. */
  readonly settings: SettingInputs<PushSettingValues>;
}

/** The shortest prefix: account ids (`<prefix>-fn`) need 6 characters, topic names 3; 4 leaves room. */
export const PUSH_PREFIX_MIN = 4;

/**
 * Environment names the component sets itself (contract §4: from `engine` and the settings) or Cloud
 * Run reserves. ENGINE_AUDIENCE stays the user's: PushWorker leaves it to its default, ENGINE_URL.
 */
export const RESERVED_ENVIRONMENT =
  /^(?:ENGINE_(?:URL|AUTH|TIMEOUT_MS|BASIC_AUTH_USER|BASIC_AUTH_PASSWORD)|MAX_DELIVERY_ATTEMPTS|PORT|K_SERVICE|K_REVISION|K_CONFIGURATION|FUNCTION_TARGET|FUNCTION_SIGNATURE_TYPE)$/;
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Entry points: the JavaScript name the function registers. */
const ENTRY_POINT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function environmentProblems(environment: Record<string, unknown> | undefined): string[] {
  return Object.keys(environment ?? {}).flatMap((key) => {
    if (!ENVIRONMENT_NAME.test(key))
      return [`environment.${key}: must be letters, digits and _, not starting with a digit`];
    if (RESERVED_ENVIRONMENT.test(key)) {
      return [
        `environment.${key}: is set by PushWorker or Cloud Run; leave it out (the engine's settings come from engine)`,
      ];
    }
    if (isSecretName(key)) {
      return [`environment.${key}: names a secret; keep the value in Secret Manager, not in a plain variable`];
    }
    return [];
  });
}

/** Problems with the plain arguments: task type, source, entry point, names, environment, alert window. */
function plainProblems(name: string, args: PushWorkerArgs | undefined): string[] {
  const problems = engineProblems(args);
  const taskType = args?.taskType;
  if (typeof taskType !== 'string' || !TASK_TYPE.test(taskType)) {
    problems.push(
      `taskType '${String(taskType)}' must be 1 to 63 lowercase letters, digits or hyphens, starting with a letter (such as 'price-order')`,
    );
  }
  if (typeof args?.source !== 'string' || args.source.length === 0) {
    problems.push('source is required: the directory of the function (its package.json and src/)');
  }
  if (typeof args?.entryPoint !== 'string' || !ENTRY_POINT.test(args.entryPoint)) {
    problems.push(
      `entryPoint '${String(args?.entryPoint)}' must be the name the function registers (functions.http('<entryPoint>', worker.http))`,
    );
  }
  if (args?.baseName === undefined) {
    const prefix = args?.namePrefix ?? sanitizePrefix(name);
    if (!NAME_PREFIX.test(prefix) || prefix.length < PUSH_PREFIX_MIN) {
      problems.push(
        `namePrefix '${prefix}' must be ${PUSH_PREFIX_MIN} to 20 lowercase letters, digits or hyphens, starting with a letter`,
      );
    }
  } else if (!BASE_NAME.test(args.baseName) || args.baseName.length < PUSH_PREFIX_MIN) {
    problems.push(
      `baseName '${args.baseName}' must be ${PUSH_PREFIX_MIN} to ${BASE_NAME_MAX} lowercase letters, digits or hyphens, starting with a letter and ending with a letter or digit`,
    );
  }
  problems.push(...environmentProblems(args?.environment), ...alertProblems(args?.alertAfterMinutes));
  return problems;
}

/** The problem of a missing engine (PushWorker's and EchoLoop's). */
export function engineProblems(args: { readonly engine?: unknown } | undefined): string[] {
  if (args && args.engine) return [];
  return [
    'engine is required (pass a CamundaServerless or its url, serviceName, location, project, serviceAccountEmail)',
  ];
}

/** The problem of an alert window Cloud Monitoring refuses. */
export function alertProblems(alertAfterMinutes: number | undefined): string[] {
  const minutes = alertAfterMinutes ?? PUSH_DEFAULTS.alertAfterMinutes;
  if (Number.isInteger(minutes) && minutes >= ALERT_MINUTES_MIN && minutes <= ALERT_MINUTES_MAX) return [];
  return [`alertAfterMinutes must be a whole number from ${ALERT_MINUTES_MIN} to ${ALERT_MINUTES_MAX}, got ${minutes}`];
}

/** The settings that may be Outputs, defaults applied (PushWorker's arguments, or EchoLoop's of the same names). */
export function pushSettingInputs(
  args: SettingInputs<PushSettingValues> | undefined,
): SettingInputs<PushSettingValues> {
  return {
    maxDeliveryAttempts: args?.maxDeliveryAttempts ?? PUSH_DEFAULTS.maxDeliveryAttempts,
    functionTimeoutSeconds: args?.functionTimeoutSeconds ?? PUSH_DEFAULTS.functionTimeoutSeconds,
    functionMemory: args?.functionMemory ?? PUSH_DEFAULTS.functionMemory,
    functionMaxInstances: args?.functionMaxInstances ?? PUSH_DEFAULTS.functionMaxInstances,
    functionMinInstances: args?.functionMinInstances ?? PUSH_DEFAULTS.functionMinInstances,
    engineTimeoutMs: args?.engineTimeoutMs ?? PUSH_DEFAULTS.engineTimeoutMs,
    deadLetterRetention: args?.deadLetterRetention ?? PUSH_DEFAULTS.deadLetterRetention,
  };
}

/**
 * Applies every default of PushWorker and checks what can be checked now. Throws one
 * ConfigurationError listing every problem, each naming its argument and the fix.
 */
export function resolvePushWorkerArgs(name: string, args: PushWorkerArgs): ResolvedPushWorkerArgs {
  const settings = pushSettingInputs(args);
  throwIfProblems(`PushWorker '${name}': invalid arguments`, [
    ...plainProblems(name, args),
    ...problemsNow(pushSettingsSchema, settings),
  ]);
  const { engine, taskType } = args;
  const base = workerBase({ name, taskType, namePrefix: args.namePrefix, baseName: args.baseName });
  return {
    name,
    engine,
    taskType,
    source: args.source,
    entryPoint: args.entryPoint,
    project: pulumi.output(args.project ?? engine.project),
    region: pulumi.output(args.region ?? engine.location),
    base,
    names: workerNames(base),
    title: args.title ?? `push worker ${taskType}`,
    alertAfterMinutes: args.alertAfterMinutes ?? PUSH_DEFAULTS.alertAfterMinutes,
    functionRuntime: args.functionRuntime ?? PUSH_DEFAULTS.functionRuntime,
    buildServiceAccount: args.buildServiceAccount,
    functionServiceAccount: args.functionServiceAccount,
    environment: { ...(args.environment ?? {}) },
    notificationChannels: args.notificationChannels ?? [],
    enableApis: args.enableApis !== false,
    labels: { app: 'camunda-serverless', 'managed-by': 'pulumi', 'task-type': taskType, ...(args.labels ?? {}) },
    settings,
  };
}

/** The settings of `resolved` as one Output that checks every value once it resolves. */
export function checkedPushSettings(
  resolved: Pick<ResolvedPushWorkerArgs, 'name' | 'settings'>,
  component = 'PushWorker',
): pulumi.Output<Required<PushSettingValues>> {
  return checkWhenResolved(
    pushSettingsSchema,
    resolved.settings,
    `${component} '${resolved.name}': invalid arguments`,
  ) as pulumi.Output<Required<PushSettingValues>>;
}
