// The physical names of one push worker, each within its GCP limit. A task type may be 63 characters,
// so `<prefix>-<taskType>` plus a suffix can exceed what service account ids (30) and function names
// (49) allow: such a name keeps its start, and a hash of the whole base keeps two long task types
// that share a start apart. Plain functions of the base: pushWorkerCaller knows the function's
// account before the worker exists.

import * as crypto from 'node:crypto';
import { sanitizePrefix } from '../validation';

/** GCP limits of the names a worker derives. */
export const NAME_LIMITS = {
  /** Service account ids: 6 to 30 characters. */
  accountId: 30,
  /** Cloud Functions 2nd gen names (a Cloud Run service underneath). */
  functionName: 49,
  /** Log-based metric names. */
  metricName: 100,
  /** Pub/Sub topic and subscription names (3 to 255). */
  pubsubName: 255,
} as const;

/** Task types as the contract allows them (PushTask's `taskType`). */
export const TASK_TYPE = /^[a-z][a-z0-9-]{0,62}$/;

/** Bases of physical names: lowercase letters, digits and hyphens, starting with a letter, at most 100. */
export const BASE_NAME = /^[a-z](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
export const BASE_NAME_MAX = 100;

const HASH_LENGTH = 6;

/**
 * `<base>-<suffix>` (or `base` alone), at most `max` characters: when longer, the base is cut and
 * `-<6 hex digits of its hash>` inserted before the suffix. Ends with a letter or digit.
 */
export function fitName(base: string, suffix: string, max: number): string {
  const tail = suffix ? `-${suffix}` : '';
  if (base.length + tail.length <= max) return `${base}${tail}`;
  const hash = crypto.createHash('sha256').update(base).digest('hex').slice(0, HASH_LENGTH);
  const room = max - tail.length - HASH_LENGTH - 1;
  return `${base.slice(0, room).replace(/-+$/, '')}-${hash}${tail}`;
}

/** Every physical name of a worker with this base. */
export function workerNames(base: string) {
  return {
    topic: fitName(base, '', NAME_LIMITS.pubsubName),
    deadLetterTopic: fitName(base, 'dead-letter', NAME_LIMITS.pubsubName),
    deadLetterHold: fitName(base, 'dead-letter-hold', NAME_LIMITS.pubsubName),
    pushSubscription: fitName(base, 'push', NAME_LIMITS.pubsubName),
    functionName: fitName(base, '', NAME_LIMITS.functionName),
    functionAccountId: fitName(base, 'fn', NAME_LIMITS.accountId),
    pushAccountId: fitName(base, 'push', NAME_LIMITS.accountId),
    buildAccountId: fitName(base, 'build', NAME_LIMITS.accountId),
    roundTripMetric: fitName(base, 'round-trip-ms', NAME_LIMITS.metricName),
    deliveriesMetric: fitName(base, 'deliveries', NAME_LIMITS.metricName),
    sourceObjectPrefix: `${base}-source`,
  };
}

export type WorkerNames = ReturnType<typeof workerNames>;

/** A service account's e-mail from its id and project (`example.com:p` projects included). */
export function serviceAccountEmail(accountId: string, project: string): string {
  const [domain, id] = project.includes(':') ? project.split(':') : [undefined, project];
  return `${accountId}@${domain !== undefined ? `${id}.${domain}` : id}.iam.gserviceaccount.com`;
}

/** The base of a worker's names: `baseName`, else `<namePrefix>-<taskType>` (the prefix derived from `name`). */
export function workerBase(worker: {
  readonly name: string;
  readonly taskType: string;
  readonly namePrefix?: string | undefined;
  readonly baseName?: string | undefined;
}): string {
  return worker.baseName ?? `${worker.namePrefix ?? sanitizePrefix(worker.name)}-${worker.taskType}`;
}

/** Service account display names: at most 100 characters (a long task type is cut). */
export function accountDisplayName(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 99)}…`;
}
