// pushWorker(): the public face of the library. It checks the options, fills in the defaults (the
// configuration from process.env, ID tokens from Application Default Credentials, the log on stdout)
// and returns the CloudEvent handler to register with the Functions Framework.
import type { CloudEvent, HttpFunction } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import { loadConfig, type WorkerConfig } from './config';
import { deliver, type WorkerSettings } from './delivery';
import type { IdTokenSource } from './engine-client';
import type { LooseEvent } from './envelope';
import { googleIdTokenSource } from './id-token';
import { writeLogLine, type WorkerLogger } from './log';
import { TASK_TYPE } from './message';
import { RedeliveryRequested } from './redelivery';

/** One task as the handler sees it. */
export interface PushTask<Payload> {
  /** The message's payload as the worker's schema parsed it. */
  readonly payload: Payload;
  readonly taskType: string;
  /** The PushTask instance that waits for the reply. */
  readonly processInstanceId: string;
  /** Same for every publish of one request; a retried task (retryPushTask) gets a new one. */
  readonly requestId: string;
  /** When this publish attempt was made. */
  readonly sentAt: Date;
  /** The task's whole deadline, when PushTask has a timeout: a reply after it is not taken. */
  readonly deadline?: Date;
  /** Pub/Sub's count, 1 on the first delivery; absent when the push did not carry it. */
  readonly deliveryAttempt?: number;
  /** "Still working": re-arms PushTask's re-publish timer. Never throws; a refusal is logged. */
  heartbeat(): Promise<void>;
}

/**
 * Does the work. Return the result (JSON-serializable, at most 64 KiB; undefined or null for none);
 * throw a BpmnError for a business failure; any other throw is a technical failure, redelivered.
 */
export type TaskHandler<Payload> = (task: PushTask<Payload>) => unknown;

export interface PushWorkerOptions<Schema extends z.ZodType = z.ZodType> {
  /** The task type this worker handles, `^[a-z][a-z0-9-]{0,62}$`. */
  readonly taskType: string;
  /** A zod schema for the payload: a message whose payload fails it gets a `failed` reply. */
  readonly payload: Schema;
  readonly handler: TaskHandler<z.output<Schema>>;
  /** Extra top-level fields of the log line (string or number values), from the parsed payload. */
  readonly logFields?: (payload: z.output<Schema>) => Record<string, string | number> | undefined;
  /** Default: loadConfig(process.env) when pushWorker is called (every problem at once). */
  readonly config?: WorkerConfig;
  /** Default: Application Default Credentials when config.auth is 'id-token'. */
  readonly idTokens?: IdTokenSource;
  /** Default: one JSON line on stdout. */
  readonly log?: WorkerLogger;
  /** The clock, in epoch milliseconds. */
  readonly now?: () => number;
}

/** The CloudEvent handler, plus the same worker as an HTTP handler. */
export interface PushWorkerFunction {
  (event: CloudEvent<unknown>): Promise<void>;
  readonly taskType: string;
  /**
   * For `functions.http(...)` behind a plain push subscription: the framework turns a raw push body into
   * a CloudEvent without its deliveryAttempt; read raw, the last attempt is known and answers `failed`.
   */
  readonly http: HttpFunction;
}

/** Creates a push worker for one task type. Reads process.env only when `config` is not given. */
export function pushWorker<Schema extends z.ZodType>(options: PushWorkerOptions<Schema>): PushWorkerFunction {
  checkOptions(options);
  const config = options.config ?? loadConfig(process.env);
  const settings: WorkerSettings = {
    ...(options as unknown as PushWorkerOptions),
    config,
    idTokens: options.idTokens ?? (config.auth === 'id-token' ? googleIdTokenSource() : undefined),
    log: options.log ?? writeLogLine,
    now: options.now ?? Date.now,
  };
  const handler = (event: CloudEvent<unknown>) => deliver(event as unknown as LooseEvent, settings);
  const http: HttpFunction = async (request, response) => {
    try {
      await deliver(request.body as LooseEvent, settings);
      response.status(204).end();
    } catch (error) {
      // As the framework does for a CloudEvent handler: one line on stderr, 500.
      console.error(error instanceof RedeliveryRequested ? String(error.stack) : error);
      response.status(500).send(error instanceof RedeliveryRequested ? error.message : 'delivery failed');
    }
  };
  return Object.assign(handler, { taskType: options.taskType, http });
}

function checkOptions(options: PushWorkerOptions<z.ZodType>): void {
  if (typeof options?.taskType !== 'string' || !TASK_TYPE.test(options.taskType)) {
    throw new TypeError(
      `pushWorker: taskType must match ${TASK_TYPE} (lowercase letters, digits and '-', e.g. 'price-order'), got ${JSON.stringify(options?.taskType)}`,
    );
  }
  if (typeof (options.payload as { safeParse?: unknown } | undefined)?.safeParse !== 'function') {
    throw new TypeError('pushWorker: payload must be a zod schema, e.g. z.object({ item: z.string() }) or z.unknown()');
  }
  if (typeof options.handler !== 'function') {
    throw new TypeError('pushWorker: handler must be a function (task) => result');
  }
  if (options.logFields !== undefined && typeof options.logFields !== 'function') {
    throw new TypeError('pushWorker: logFields must be a function (payload) => ({ field: value })');
  }
}
