// The engine's settings as one catalogue: docker/camunda/engine-settings.json names every environment
// variable the engine reads, with its default, its rule and its meaning. The engine (EngineSettings.java),
// its README and Pulumi.yaml are held to that file by tests; this module gives it to the components, so
// that their defaults and checks are the engine's own.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('integer'),
    min: z.number().int(),
    max: z.number().int(),
    /** Another setting this one must not be below. */
    atLeast: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('boolean') }),
  z.strictObject({ kind: z.literal('choice'), values: z.tuple([z.string()], z.string()) }),
  z.strictObject({ kind: z.literal('text') }),
  z.strictObject({ kind: z.literal('pattern'), pattern: z.string(), example: z.string() }),
  z.strictObject({ kind: z.literal('retryTimeCycle') }),
  z.strictObject({ kind: z.literal('duration'), minSeconds: z.number().positive().optional() }),
  z.strictObject({ kind: z.literal('baseUrl') }),
  z.strictObject({ kind: z.literal('dailyWindow') }),
]);

const settingSchema = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  default: z.string().nullable(),
  rule: ruleSchema,
  meaning: z.string().min(1),
  /** The setting is read only together with these settings (DB_URL with DB_TYPE=postgres). */
  when: z.record(z.string(), z.string()).optional(),
  /** The Pulumi stack key, and CamundaServerless argument, that sets it. */
  stackKey: z.string().optional(),
  secret: z.boolean().optional(),
});

const catalogueSchema = z.object({ $comment: z.string().optional(), settings: z.array(settingSchema) });

export type EngineSettingRule = z.output<typeof ruleSchema>;
export type EngineSetting = z.output<typeof settingSchema>;
/** What a component may hold for a setting: environment variables are text, arguments may be numbers. */
export type EngineSettingValue = string | number | boolean;

const CATALOGUE = path.join('docker', 'camunda', 'engine-settings.json');

/**
 * Where the catalogue is: above components/ in this repository, above dist/components/ in the npm
 * package (package.json's `files` ships docker/camunda).
 */
export function engineSettingsFile(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, CATALOGUE);
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new Error(`engine settings: cannot find ${CATALOGUE} above ${start}`);
  }
}

/** Reads and checks a catalogue file; the default is the engine's. */
export function loadEngineSettings(file: string = engineSettingsFile()): readonly EngineSetting[] {
  const parsed = catalogueSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`engine settings: ${file} is not a catalogue: ${z.prettifyError(parsed.error)}`);
  return parsed.data.settings;
}

/** Every engine setting, in the catalogue's order. */
export const ENGINE_SETTINGS: readonly EngineSetting[] = loadEngineSettings();

const BY_NAME = new Map(ENGINE_SETTINGS.map((setting) => [setting.name, setting]));

/** The setting of an environment variable; throws for a variable the engine does not read. */
export function engineSetting(envName: string): EngineSetting {
  const setting = BY_NAME.get(envName);
  if (!setting) throw new Error(`engine settings: the engine reads no ${envName} (see ${CATALOGUE})`);
  return setting;
}

/** The engine's default of a variable, as the text the engine reads; undefined when it has none. */
export function engineSettingDefault(envName: string): string | undefined {
  return engineSetting(envName).default ?? undefined;
}

/** The setting a Pulumi stack key (and CamundaServerless argument) sets, if any. */
export function engineSettingForStackKey(stackKey: string): EngineSetting | undefined {
  return ENGINE_SETTINGS.find((setting) => setting.stackKey === stackKey);
}

/** The values a choice setting allows (HISTORY_LEVEL: none, activity, audit, full), for z.enum. */
export function engineSettingChoices(envName: string): readonly [string, ...string[]] {
  const { rule } = engineSetting(envName);
  if (rule.kind !== 'choice') throw new Error(`engine settings: ${envName} is no choice but ${rule.kind}`);
  return rule.values;
}

// ---- the rules -------------------------------------------------------------------------------------

// ISO 8601 durations as Camunda's DurationHelper reads them (javax.xml Duration): at least one
// component, a `T` only when a time component follows, fractional seconds allowed.
const ISO_DURATION = /^P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;
// java.time.Duration's format: days, hours, minutes and seconds only. Groups: days, hours, minutes, seconds.
const JAVA_DURATION = /^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const DAILY_WINDOW = /^(?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-3]):[0-5]\d$/;

/** True for an ISO 8601 duration as Camunda reads it, such as `PT30S`, `P1D`, `PT1H30M`. */
export function isIsoDuration(value: string): boolean {
  return ISO_DURATION.test(value);
}

/**
 * True for a Camunda `failedJobRetryTimeCycle`: `R<n>/<duration>` (`R/<duration>` repeats without
 * limit) or a comma-separated list of durations (`PT1M,PT5M,PT10M`).
 */
export function isRetryTimeCycle(value: string): boolean {
  const repeating = /^R(\d*)\/(.+)$/.exec(value);
  if (repeating) return isIsoDuration(repeating[2] ?? '');
  return value.split(',').every((part) => isIsoDuration(part));
}

/** True for a duration java.time.Duration reads (`P1D`, `PT12H`, `P2DT6H`) of at least `minSeconds`. */
export function isDayTimeDuration(value: string, minSeconds = 0): boolean {
  const parts = JAVA_DURATION.exec(value);
  if (!parts) return false;
  const [days, hours, minutes, seconds] = parts.slice(1).map((part) => Number(part ?? 0));
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds >= minSeconds;
}

/** True for a daily window `HH:mm-HH:mm` (history cleanup). */
export function isDailyWindow(value: string): boolean {
  return DAILY_WINDOW.test(value);
}

/** True for an http or https base URL with a host. */
export function isBaseUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** What a value of the setting must be, as the end of an error message ("must be ..."). */
export function engineSettingRuleText(envName: string): string {
  const { rule, default: fallback } = engineSetting(envName);
  switch (rule.kind) {
    case 'integer':
      return `must be a whole number from ${rule.min} to ${rule.max}`;
    case 'boolean':
      return 'must be true or false';
    case 'choice':
      return `must be one of ${rule.values.join(', ')}`;
    case 'text':
      return 'must be text';
    case 'pattern':
      return `must look like ${rule.example}`;
    case 'retryTimeCycle':
      return 'must be a retry cycle such as R999999/PT30S, R/PT1M or PT1M,PT5M';
    case 'duration':
      return rule.minSeconds === undefined
        ? 'must be a duration in days, hours, minutes, seconds such as P1D or PT12H'
        : `must be a duration of at least ${rule.minSeconds === 1 ? 'one second' : `${rule.minSeconds} seconds`} such as PT5M or PT30S`;
    case 'baseUrl':
      return `must be an http(s) base URL such as ${fallback ?? 'https://example.com'}`;
    case 'dailyWindow':
      return 'must be a window HH:mm-HH:mm such as 00:00-23:59';
  }
}

function follows(rule: EngineSettingRule, value: EngineSettingValue): boolean {
  const text = String(value);
  switch (rule.kind) {
    case 'integer':
      return /^[+-]?\d+$/.test(text) && Number(text) >= rule.min && Number(text) <= rule.max;
    case 'boolean':
      return /^(?:true|false)$/i.test(text);
    case 'choice':
      return rule.values.includes(text);
    case 'text':
      return true;
    case 'pattern':
      return new RegExp(`^(?:${rule.pattern})$`).test(text);
    case 'retryTimeCycle':
      return isRetryTimeCycle(text);
    case 'duration':
      return isDayTimeDuration(text, rule.minSeconds ?? 0);
    case 'baseUrl':
      return isBaseUrl(text);
    case 'dailyWindow':
      return isDailyWindow(text);
  }
}

/** True when the value follows the setting's rule (for zod's refine). */
export function isEngineSettingValue(envName: string, value: EngineSettingValue): boolean {
  return follows(engineSetting(envName).rule, value);
}

/** What is wrong with the value ("must be ..."), or undefined when the engine accepts it. */
export function checkEngineSetting(envName: string, value: EngineSettingValue): string | undefined {
  return isEngineSettingValue(envName, value) ? undefined : engineSettingRuleText(envName);
}

/**
 * Checks a set of engine variables as the engine will: each value against its rule, and the rules
 * between settings (JOB_MAX_POOL_SIZE not below JOB_CORE_POOL_SIZE, their defaults standing in for
 * unset ones). Returns one line per problem, `NAME=value: must ...`; none when the engine accepts all.
 */
export function checkEngineSettings(values: Readonly<Record<string, EngineSettingValue | undefined>>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const problem = checkEngineSetting(name, value);
    if (problem) problems.push(`${name}=${value}: ${problem}`);
  }
  for (const setting of ENGINE_SETTINGS) {
    if (setting.rule.kind !== 'integer' || !setting.rule.atLeast) continue;
    const own = values[setting.name] ?? setting.default;
    const other = values[setting.rule.atLeast] ?? engineSetting(setting.rule.atLeast).default;
    if (own !== undefined && own !== null && other !== undefined && other !== null && Number(own) < Number(other)) {
      problems.push(`${setting.name}=${own}: must be at least ${setting.rule.atLeast} (${other})`);
    }
  }
  return problems;
}

/** A zod schema for the setting's value as text (an environment variable), with its rule and message. */
export function engineSettingSchema(envName: string): z.ZodType<string> {
  const message = engineSettingRuleText(envName);
  return z.string().refine((value) => isEngineSettingValue(envName, value), message);
}

/** A zod schema for an integer setting given as a number (a component argument), with its bounds. */
export function engineIntegerSchema(envName: string): z.ZodNumber {
  const { rule } = engineSetting(envName);
  if (rule.kind !== 'integer') throw new Error(`engine settings: ${envName} is no integer but ${rule.kind}`);
  const message = engineSettingRuleText(envName);
  return z.number().int(message).min(rule.min, message).max(rule.max, message);
}
