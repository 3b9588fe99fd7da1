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
} from './camunda-serverless';
export { ECHO_DEFAULTS, EchoLoop, type EchoLoopArgs, LoopStarter } from './echo-loop';
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
