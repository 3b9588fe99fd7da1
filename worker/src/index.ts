// @camunda-serverless/worker: push workers for PushTask (see worker/README.md). Importing this module
// reads no environment variable and registers nothing: pushWorker() does the one, the caller the other.
export { BpmnError, ERROR_CODE, MAX_ERROR_MESSAGE_CHARS, RESERVED_ERROR_CODES, isBpmnError } from './bpmn-error';
export {
  ConfigError,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  loadConfig,
  type ConfigProblem,
  type EngineAuth,
  type Env,
  type WorkerConfig,
} from './config';
export {
  classifyEngineResponse,
  postMessage,
  type Classification,
  type Disposition,
  type EngineAnswer,
  type EngineCallOptions,
  type IdTokenSource,
} from './engine-client';
export { readEnvelope, type EnvelopeResult, type LooseEvent, type PubsubEnvelope } from './envelope';
export { googleIdTokenSource } from './id-token';
export {
  formatLogLine,
  LOG_LABELS_KEY,
  writeLogLine,
  type DeliveryLog,
  type HeartbeatLog,
  type LogFields,
  type LogLine,
  type MessageFields,
  type Outcome,
  type Severity,
  type WorkerLogger,
} from './log';
export {
  decodeMessage,
  MAX_DATA_BYTES,
  MAX_JSON_DEPTH,
  MESSAGE_VERSION,
  TASK_TYPE,
  type DecodedMessage,
  type ReplyAddress,
  type TaskMessage,
} from './message';
export { RedeliveryRequested } from './redelivery';
export {
  MAX_RESULT_BYTES,
  REPLY_CONTRACT_VERSION,
  REPLY_MESSAGE,
  heartbeatBody,
  replyBody,
  serializeResult,
  type Reply,
} from './replies';
export { pushWorker, type PushTask, type PushWorkerFunction, type PushWorkerOptions, type TaskHandler } from './worker';
