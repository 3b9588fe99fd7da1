// Everything but the registration: importing this module reads no environment variables, so
// tests and the local runner can build handlers with their own configuration.
export { ConfigError, DEFAULT_TIMEOUT_MS, loadConfig, SAFE_NAME, type EchoConfig, type EngineAuth } from './config';
export {
  classifyEngineResponse,
  correlationBody,
  forwardToEngine,
  type Classification,
  type EngineResult,
  type ForwardOptions,
  type IdTokenSource,
} from './engine-client';
export { readEnvelope, type EnvelopeResult, type LooseEvent, type PubsubEnvelope } from './envelope';
export { createEchoHandler, RedeliveryRequested, type EchoHandler, type EchoHandlerOptions } from './handler';
export { googleIdTokenSource } from './id-token';
export { formatLogLine, writeLogLine, type DeliveryLog, type DeliveryLogger, type Outcome, type Severity } from './log';
export {
  decodeEchoRequest,
  echoRequestSchema,
  MAX_DATA_BYTES,
  MAX_PAYLOAD_DEPTH,
  type DecodeResult,
  type EchoRequest,
  type MessageHints,
} from './message';
