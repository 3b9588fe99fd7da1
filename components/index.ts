// camunda-serverless components: import them into any Pulumi TypeScript program with
//   import { CamundaServerless, EchoLoop, PushWorker } from 'camunda-serverless';

export {
  CAMUNDA_DEFAULTS,
  CamundaServerless,
  type CamundaDatabaseArgs,
  type CamundaEngineSettings,
  type CamundaImageBuildArgs,
  type CamundaServerlessArgs,
  type EngineBasicAuth,
  type EngineCaller,
  type EngineEndpoint,
  type ProviderConfig,
  resolveCamundaServerlessArgs,
  type ResolvedCamundaServerlessArgs,
  type ResolvedEngineCaller,
} from './camunda-serverless';
export {
  ECHO_DEFAULTS,
  ECHO_FUNCTION_PERMISSION,
  ECHO_STARTER_PERMISSION,
  echoFunctionCaller,
  echoStarterCaller,
  EchoLoop,
  type EchoLoopArgs,
  LoopStarter,
  MetricDescriptorWait,
  PropagationDelay,
  resolveEchoLoopArgs,
  type ResolvedEchoLoopArgs,
} from './echo-loop';
export {
  PUSH_DEFAULTS,
  PUSH_WORKER_PERMISSION,
  PushWorker,
  type PushWorkerArgs,
  pushWorkerCaller,
  type PushWorkerIdentity,
  resolvePushWorkerArgs,
  type ResolvedPushWorkerArgs,
} from './push-worker';
export {
  cancelLoop,
  defaultLoopStarterDeps,
  ensureLoopRunning,
  loopStarterProvider,
  type LoopStarterDeps,
  type LoopStarterInputs,
  type LoopStarterState,
} from './loop-starter';
export {
  defaultMetricWaiterDeps,
  metricWaiterProvider,
  type MetricWaiterDeps,
  type MetricWaiterInputs,
  waitForMetricDescriptor,
} from './metric-waiter';
export { ConfigurationError } from './validation';
export { REGION, SECRET_NAME } from './name-rules';
