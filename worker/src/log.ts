// One JSON line per delivery on stdout, in the shape Cloud Logging turns into a structured entry:
// `severity` and `message` are lifted, everything else lands in jsonPayload. Log-based metrics read
// jsonPayload.taskType, jsonPayload.outcome and jsonPayload.roundTripMs: those names are the interface.

/** What became of one delivery (contract §4). */
export type Outcome = 'completed' | 'error' | 'failed' | 'duplicate' | 'retry' | 'invalid' | 'unknown-task';
export type Severity = 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

/** Extra top-level fields a worker adds from its payload (`logFields`). */
export type LogFields = Readonly<Record<string, string | number>>;

/** The fields every line about one message shares. */
export interface MessageFields {
  /** The worker's task type (also on lines about another type's message: the alert is per worker). */
  readonly taskType: string;
  readonly messageId?: string;
  readonly deliveryAttempt?: number;
  readonly processInstanceId?: string;
  readonly requestId?: string;
  readonly engineStatus?: number;
  /** The engine calls alone, immediate resends included. */
  readonly engineMs?: number;
  /** How often the engine answered 500 for a conflict (optimistic locking, a deadlock) and the call was sent again at once. */
  readonly conflicts?: number;
}

export interface DeliveryLog extends MessageFields {
  readonly severity: Severity;
  readonly message: string;
  readonly outcome: Outcome;
  /** Milliseconds from the message's sentAt to the end of this delivery. */
  readonly roundTripMs?: number;
  /** The handler's run, when it ran. */
  readonly handlerMs?: number;
  /** Why a message was refused (invalid, unknown-task, a failed reply for a flawed message). */
  readonly reason?: string;
  /** The BPMN error code of an `error` reply. */
  readonly errorCode?: string;
  /** The handler's error text of a technical failure (its message, never a stack). */
  readonly error?: string;
  /** The taskType a message of another type named. */
  readonly messageTaskType?: string;
  readonly [logField: string]: unknown;
}

/** A heartbeat the engine did not take: the handler goes on, this line says so. */
export interface HeartbeatLog extends MessageFields {
  readonly severity: 'WARNING';
  readonly message: string;
  /** refused: nothing waits for it (400); failed: the engine could not be reached or failed. */
  readonly heartbeat: 'refused' | 'failed';
}

export type LogLine = DeliveryLog | HeartbeatLog;
export type WorkerLogger = (line: LogLine) => void;

export const LOG_LABELS_KEY = 'logging.googleapis.com/labels';
const LABELS = { component: 'push-worker' } as const;

export function formatLogLine(line: LogLine): string {
  // JSON.stringify leaves out fields whose value is undefined.
  return JSON.stringify({ ...line, [LOG_LABELS_KEY]: LABELS });
}

export const writeLogLine: WorkerLogger = (line) => {
  process.stdout.write(`${formatLogLine(line)}\n`);
};

// Names a worker's logFields may not take: the line's own fields win.
const RESERVED_FIELDS = new Set([
  'severity',
  'message',
  'taskType',
  'outcome',
  'messageId',
  'deliveryAttempt',
  'processInstanceId',
  'requestId',
  'roundTripMs',
  'handlerMs',
  'engineStatus',
  'engineMs',
  'conflicts',
  'reason',
  'errorCode',
  'error',
  'messageTaskType',
  'heartbeat',
  LOG_LABELS_KEY,
]);
const MAX_LOG_FIELDS = 20;
const MAX_LOG_FIELD_CHARS = 200;

/** The usable part of what logFields returned: string or finite number values under free names, a few. */
export function cleanLogFields(fields: unknown): LogFields {
  if (typeof fields !== 'object' || fields === null) return {};
  const kept: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (Object.keys(kept).length >= MAX_LOG_FIELDS) break;
    if (RESERVED_FIELDS.has(name) || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) continue;
    if (typeof value === 'string') kept[name] = value.slice(0, MAX_LOG_FIELD_CHARS);
    else if (typeof value === 'number' && Number.isFinite(value)) kept[name] = value;
  }
  return kept;
}
