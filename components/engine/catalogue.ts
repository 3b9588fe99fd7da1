// CamundaServerless's arguments that set engine settings, tied to the engine's catalogue
// (docker/camunda/engine-settings.json): the variable each one sets, its default and its rule all
// come from there, so the component never accepts what the engine refuses nor names another default.

import { z } from 'zod';
import {
  engineSetting,
  engineSettingDefault,
  engineSettingForStackKey,
  engineSettingRuleText,
  isEngineSettingValue,
} from '../engine-settings';

/**
 * The arguments (and stack keys) that set an engine setting: the catalogue's stackKeys. The first
 * two are always set; the others only when given, else the engine's default applies.
 */
export const ENGINE_ARG_KEYS = [
  'databasePoolSize',
  'publishRetryTimeCycle',
  'republishAfter',
  'jobRetryTimeCycle',
  'historyLevel',
  'historyTimeToLive',
  'historyCleanupWindow',
  'jobLockTimeMs',
  'jobMaxWaitMs',
] as const;
export type EngineArgKey = (typeof ENGINE_ARG_KEYS)[number];

/** The engine arguments set only when given, in the order the container's environment lists them. */
export const OPTIONAL_ENGINE_ARG_KEYS = ENGINE_ARG_KEYS.slice(2) as readonly Exclude<
  EngineArgKey,
  'databasePoolSize' | 'publishRetryTimeCycle'
>[];

/** The catalogue's variable of an argument; throws when the catalogue has no setting for it. */
export function engineEnvOf(key: string): string {
  const setting = engineSettingForStackKey(key);
  if (!setting) throw new Error(`engine settings: no setting of the catalogue has stackKey ${key}`);
  return setting.name;
}

/** The variable each engine argument sets (the catalogue's stackKey → name). */
export const ENGINE_ENV: Readonly<Record<EngineArgKey, string>> = Object.fromEntries(
  ENGINE_ARG_KEYS.map((key) => [key, engineEnvOf(key)]),
) as Record<EngineArgKey, string>;

/** The engine's default of an argument's setting, as text; undefined when the engine has none. */
export function engineDefaultOf(key: EngineArgKey): string | undefined {
  return engineSettingDefault(ENGINE_ENV[key]);
}

/**
 * Where the component is stricter than the engine, and why. Never looser: integerBounds clamps these
 * to the catalogue's range.
 */
const STRICTER_BOUNDS: Partial<Record<EngineArgKey, { readonly min?: number; readonly max?: number }>> = {
  // The engine takes up to 200; 100 per instance is already four times what db-f1-micro allows all
  // instances together (25), and far more than an instance of at most 8 CPUs keeps busy.
  databasePoolSize: { max: 100 },
  // The engine takes 0, a job executor that queries the database without pause around the clock (the
  // CPU is always on); and the stack's jobMaxWaitMs uses 0 for "the engine's default".
  jobMaxWaitMs: { min: 1 },
};

/** The range an integer argument may take: the engine's, narrowed where STRICTER_BOUNDS says why. */
export function integerBounds(key: EngineArgKey): { readonly min: number; readonly max: number } {
  const { rule } = engineSetting(ENGINE_ENV[key]);
  if (rule.kind !== 'integer') throw new Error(`engine settings: ${ENGINE_ENV[key]} is no integer but ${rule.kind}`);
  const stricter = STRICTER_BOUNDS[key] ?? {};
  return { min: Math.max(rule.min, stricter.min ?? rule.min), max: Math.min(rule.max, stricter.max ?? rule.max) };
}

/** The check of an integer argument, each bound with its own message (`must be at least 1000`). */
export function engineIntegerArg(key: EngineArgKey): z.ZodNumber {
  const { min, max } = integerBounds(key);
  return z
    .number()
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
}

/** What a text argument must be, in the catalogue's words (`must be a retry cycle such as …`). */
export function engineRuleText(key: EngineArgKey): string {
  return engineSettingRuleText(ENGINE_ENV[key]);
}

/** True when the engine accepts the value for the argument's setting. */
export function isEngineArgValue(key: EngineArgKey, value: string | number): boolean {
  return isEngineSettingValue(ENGINE_ENV[key], value);
}

/** The check of a text argument: the engine's rule, with the catalogue's message. */
export function engineTextArg(key: EngineArgKey): z.ZodType<string> {
  return z.string().refine((value) => isEngineArgValue(key, value), engineRuleText(key));
}
