// The checks of CamundaServerless's settings that may be Outputs: run on what is known when the
// component is declared (so a bad value fails the preview) and again once every Output resolved.

import { z } from 'zod';
import { engineSetting, engineSettingChoices } from '../engine-settings';
import { CPU_VALUES, MEMORY, PROJECT_ID, REGION, REGION_RULE } from '../validation';
import { ENGINE_ENV, engineIntegerArg, engineRuleText, engineTextArg } from './catalogue';

/**
 * Engine variables the component sets from its resources (database, authentication), or leaves to the
 * engine's own defaults on purpose (the token audiences and certificates); all catalogued.
 */
const COMPONENT_ENV = [
  'PORT',
  'DB_TYPE',
  'CLOUD_SQL_INSTANCE',
  'DB_NAME',
  'DB_USER',
  'DB_PASSWORD',
  'DB_IAM_AUTH',
  'REST_AUTH',
  'REST_CALLERS',
  'TOKEN_AUDIENCES',
  'TOKEN_CERTS_URL',
  'ADMIN_USER',
  'ADMIN_PASSWORD',
].map((name) => engineSetting(name).name);

/**
 * Environment variables the component sets itself; `environment` may not override them: its own,
 * the JVM's options, and every variable an engine argument sets (the catalogue's stackKeys).
 */
export const RESERVED_ENV: ReadonlySet<string> = new Set([
  ...COMPONENT_ENV,
  'JAVA_TOOL_OPTIONS',
  ...Object.values(ENGINE_ENV),
]);

const IMAGE_BY_DIGEST = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/** The checks that can run on plain values now and on Output values once they resolve. */
export const settingsSchema = z
  .object({
    project: z.string().regex(PROJECT_ID, 'must be a GCP project id (6 to 30 lowercase letters, digits, hyphens)'),
    region: z.string().regex(REGION, REGION_RULE),
    schedulerRegion: z.string().regex(REGION, REGION_RULE),
    minInstances: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(1000, 'must be at most 1000'),
    maxInstances: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1000, 'must be at most 1000'),
    cpu: z.enum(CPU_VALUES, `must be one of ${CPU_VALUES.join(', ')} (always-on CPU needs whole CPUs)`),
    memory: z.string().regex(MEMORY, "must be a size such as '512Mi' or '1Gi'"),
    concurrency: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
    requestTimeoutSeconds: z.number().int().min(1, 'must be at least 1').max(3600, 'must be at most 3600'),
    image: z
      .string()
      .regex(
        IMAGE_BY_DIGEST,
        'must reference the image by digest (…@sha256:<64 hex digits>) so every change rolls out a new revision',
      ),
    databaseVersion: z.string().regex(/^POSTGRES_\d+$/, 'must be a PostgreSQL version such as POSTGRES_16'),
    databaseTier: z
      .string()
      .regex(/^db-[a-z0-9-]+$/, 'must be a Cloud SQL tier such as db-f1-micro or db-custom-1-3840'),
    databaseDiskSizeGb: z.number().int().min(10, 'must be at least 10'),
    databasePoolSize: engineIntegerArg('databasePoolSize'),
    publishRetryTimeCycle: engineTextArg('publishRetryTimeCycle'),
    republishAfter: engineTextArg('republishAfter'),
    jobRetryTimeCycle: engineTextArg('jobRetryTimeCycle'),
    historyLevel: z.enum(engineSettingChoices(ENGINE_ENV.historyLevel), engineRuleText('historyLevel')),
    historyTimeToLive: engineTextArg('historyTimeToLive'),
    historyCleanupWindow: engineTextArg('historyCleanupWindow'),
    jobLockTimeMs: engineIntegerArg('jobLockTimeMs'),
    jobMaxWaitMs: engineIntegerArg('jobMaxWaitMs'),
  })
  .partial()
  .superRefine((value, ctx) => {
    if (
      value.minInstances !== undefined &&
      value.maxInstances !== undefined &&
      value.minInstances > value.maxInstances
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['minInstances'],
        message: `(${value.minInstances}) must not exceed maxInstances (${value.maxInstances}): lower minInstances or raise maxInstances`,
      });
    }
  });
/** The settings that may be Outputs, as checked. */
export type EngineSettingValues = z.output<typeof settingsSchema>;
