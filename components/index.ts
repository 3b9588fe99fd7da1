// camunda-serverless components: import them into any Pulumi TypeScript program with
//   import { CamundaServerless, EchoLoop } from 'camunda-serverless';

export {
  CAMUNDA_DEFAULTS,
  CamundaServerless,
  type CamundaDatabaseArgs,
  type CamundaEngineSettings,
  type CamundaImageBuildArgs,
  type CamundaServerlessArgs,
  type EngineBasicAuth,
  type EngineEndpoint,
  type ProviderConfig,
  resolveCamundaServerlessArgs,
  type ResolvedCamundaServerlessArgs,
} from './camunda-serverless';
export {
  ECHO_DEFAULTS,
  EchoLoop,
  type EchoLoopArgs,
  LoopStarter,
  resolveEchoLoopArgs,
  type ResolvedEchoLoopArgs,
} from './echo-loop';
export {
  cancelLoop,
  defaultLoopStarterDeps,
  ensureLoopRunning,
  loopStarterProvider,
  type LoopStarterDeps,
  type LoopStarterInputs,
  type LoopStarterState,
} from './loop-starter';
export { ConfigurationError } from './validation';
export { REGION, SECRET_NAME } from './name-rules';
