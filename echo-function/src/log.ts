// One JSON line per delivery, in the shape Cloud Logging turns into a structured entry: `severity`
// and `message` are lifted, everything else lands in jsonPayload. Log-based metrics read
// jsonPayload.outcome and jsonPayload.roundTripMs, so those names are part of the interface.

export type Outcome = 'delivered' | 'duplicate' | 'retry' | 'invalid';
export type Severity = 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export interface DeliveryLog {
  readonly severity: Severity;
  readonly message: string;
  readonly outcome: Outcome;
  /** Milliseconds from the request's sentAt to the end of this delivery. */
  readonly roundTripMs?: number;
  readonly messageId?: string;
  readonly deliveryAttempt?: number;
  readonly messageName?: string;
  readonly loop?: string;
  readonly iteration?: number;
  readonly requestId?: string;
  readonly processInstanceId?: string;
  readonly engineStatus?: number;
  readonly engineMs?: number;
  /** How often the engine answered 500 OptimisticLockingException and the reply was sent again at once. */
  readonly conflicts?: number;
  /** Why a message was invalid. */
  readonly reason?: string;
}

export type DeliveryLogger = (entry: DeliveryLog) => void;

export const LOG_LABELS_KEY = 'logging.googleapis.com/labels';
const LABELS = { component: 'echo-function' } as const;

export function formatLogLine(entry: DeliveryLog): string {
  // JSON.stringify leaves out fields whose value is undefined.
  return JSON.stringify({ ...entry, [LOG_LABELS_KEY]: LABELS });
}

export const writeLogLine: DeliveryLogger = (entry) => {
  process.stdout.write(`${formatLogLine(entry)}\n`);
};
