// The checks of CamundaServerless's settings that may be Outputs: run on what is known when the
// component is declared (so a bad value fails the preview) and again once every Output resolved.

import { z } from 'zod';
import {
  CLEANUP_WINDOW,
  CPU_VALUES,
  HISTORY_LEVELS,
  isDayTimeDuration,
  isRepublishDelay,
  isRetryTimeCycle,
  MEMORY,
  PROJECT_ID,
  REGION,
  REGION_RULE,
} from '../validation';

/** Environment variables the component sets itself; `environment` may not override them. */
export const RESERVED_ENV: ReadonlySet<string> = new Set([
  'PORT',
  'DB_TYPE',
  'CLOUD_SQL_INSTANCE',
  'DB_NAME',
  'DB_USER',
  'DB_PASSWORD',
  'DB_IAM_AUTH',
  'DB_POOL_SIZE',
  'REST_AUTH',
  'ADMIN_USER',
  'ADMIN_PASSWORD',
  'JAVA_TOOL_OPTIONS',
  'PUBLISH_RETRY_TIME_CYCLE',
  'REPUBLISH_AFTER',
  'JOB_RETRY_TIME_CYCLE',
  'HISTORY_LEVEL',
  'HISTORY_TIME_TO_LIVE',
  'HISTORY_CLEANUP_WINDOW',
  'JOB_LOCK_TIME_MS',
  'JOB_MAX_WAIT_MS',
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
    databasePoolSize: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'),
    publishRetryTimeCycle: z
      .string()
      .refine(isRetryTimeCycle, 'must be a retry cycle such as R999999/PT30S, R/PT1M or PT1M,PT5M'),
    republishAfter: z
      .string()
      .refine(isRepublishDelay, 'must be a duration of at least one second such as PT5M or PT30S'),
    jobRetryTimeCycle: z.string().refine(isRetryTimeCycle, 'must be a retry cycle such as R5/PT1M or PT1M,PT5M'),
    historyLevel: z.enum(HISTORY_LEVELS, `must be one of ${HISTORY_LEVELS.join(', ')}`),
    historyTimeToLive: z
      .string()
      .refine(isDayTimeDuration, 'must be a duration in days, hours, minutes, seconds such as P1D or PT12H'),
    historyCleanupWindow: z.string().regex(CLEANUP_WINDOW, 'must be a window HH:mm-HH:mm such as 00:00-23:59'),
    jobLockTimeMs: z.number().int().min(1000, 'must be at least 1000'),
    jobMaxWaitMs: z.number().int().min(1, 'must be at least 1'),
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
