// resolveEchoLoopArgs without Pulumi resources: every default, what comes from the engine, and every
// rejection, all listed at once in one ConfigurationError.

import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import type { EngineEndpoint } from '../../components/camunda-serverless';
import { ECHO_DEFAULTS, type EchoLoopArgs, resolveEchoLoopArgs } from '../../components/echo-loop';
import { ConfigurationError } from '../../components/validation';
import { valueOf } from './support/mocks';

const engine: EngineEndpoint = {
  url: 'https://camunda-dev-engine-abcdefghij-ew.a.run.app',
  serviceName: 'camunda-dev-engine',
  location: 'europe-west1',
  project: 'test-project',
  serviceAccountEmail: 'camunda-dev-engine@test-project.iam.gserviceaccount.com',
};

const resolve = (args: Partial<EchoLoopArgs> = {}) => resolveEchoLoopArgs('echo', { engine, ...args });

/** The message resolving `args` fails with; fails the test when it does not. */
function rejection(args: Partial<EchoLoopArgs>): string {
  try {
    resolveEchoLoopArgs('echo', { engine, ...args } as EchoLoopArgs);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigurationError);
    return (err as Error).message;
  }
  throw new Error('expected the arguments to be refused');
}

describe('resolveEchoLoopArgs: defaults', () => {
  it('fills every argument from ECHO_DEFAULTS', () => {
    const resolved = resolve();
    expect(resolved).to.deep.include({
      name: 'echo',
      engine,
      prefix: 'echo',
      loopName: 'echo',
      processDefinitionKey: 'EchoLoop',
      alertAfterMinutes: 15,
      functionRuntime: 'nodejs22',
      functionSourceDir: undefined,
      buildServiceAccount: undefined,
      startLoop: true,
      restartToken: undefined,
      notificationChannels: [],
      enableApis: true,
      labels: { app: 'camunda-serverless', 'managed-by': 'pulumi', loop: 'echo' },
    });
    expect(resolved.settings).to.deep.equal({
      maxDeliveryAttempts: ECHO_DEFAULTS.maxDeliveryAttempts,
      functionTimeoutSeconds: 60,
      functionMemory: '256M',
      functionMaxInstances: 10,
      functionMinInstances: 0,
      engineTimeoutMs: 10_000,
      deadLetterRetention: '604800s',
    });
  });

  it('takes project and region from the engine unless given', async () => {
    const fromEngine = resolve();
    expect(await valueOf(fromEngine.project)).to.equal('test-project');
    expect(await valueOf(fromEngine.region)).to.equal('europe-west1');
    const given = resolve({ project: 'other-project', region: 'us-central1' });
    expect(await valueOf(given.project)).to.equal('other-project');
    expect(await valueOf(given.region)).to.equal('us-central1');
  });

  it('labels resources with the loop name, made label-safe', () => {
    expect(resolve({ loopName: 'My.Loop_1', labels: { team: 'x' } }).labels).to.deep.equal({
      app: 'camunda-serverless',
      'managed-by': 'pulumi',
      loop: 'my-loop-1',
      team: 'x',
    });
  });

  it('leaves Outputs for later: they are checked once they resolve', () => {
    const resolved = resolve({ maxDeliveryAttempts: pulumi.output(1) });
    expect(pulumi.Output.isInstance(resolved.settings.maxDeliveryAttempts)).to.equal(true);
  });
});

describe('resolveEchoLoopArgs: rejections', () => {
  const cases: [string, Partial<EchoLoopArgs>, string][] = [
    ['no engine', { engine: undefined as never }, 'engine is required (pass a CamundaServerless or its url'],
    ['a bad name prefix', { namePrefix: 'Echo' }, "namePrefix 'Echo' must be 4 to 20 lowercase letters"],
    ['a prefix too short for account ids', { namePrefix: 'ab' }, "namePrefix 'ab' must be 4 to 20 lowercase letters"],
    ['a loop name that is no business key', { loopName: 'my loop' }, "loopName 'my loop' must start with a letter"],
    ['a bad process definition key', { processDefinitionKey: '1st' }, "processDefinitionKey '1st' is not a valid"],
    [
      'an alert window Monitoring rejects',
      { alertAfterMinutes: 1 },
      'alertAfterMinutes must be a whole number from 2 to 1410, got 1',
    ],
    ['a fractional alert window', { alertAfterMinutes: 2.5 }, 'alertAfterMinutes must be a whole number'],
    [
      'too few delivery attempts',
      { maxDeliveryAttempts: 3 },
      'maxDeliveryAttempts: must be at least 5 (Pub/Sub minimum)',
    ],
    ['too many delivery attempts', { maxDeliveryAttempts: 101 }, 'maxDeliveryAttempts: must be at most 100'],
    [
      'a function timeout beyond the ack deadline',
      { functionTimeoutSeconds: 600 },
      'functionTimeoutSeconds: must be at most 590',
    ],
    ['a memory size without unit', { functionMemory: '256' }, "functionMemory: must be a size such as '256M'"],
    ['no function instances', { functionMaxInstances: 0 }, 'functionMaxInstances: must be at least 1'],
    ['negative function instances', { functionMinInstances: -1 }, 'functionMinInstances: must be 0 or more'],
    [
      'min function instances above max',
      { functionMinInstances: 3, functionMaxInstances: 2 },
      'functionMinInstances: must not exceed functionMaxInstances',
    ],
    ['an engine timeout below a second', { engineTimeoutMs: 500 }, 'engineTimeoutMs: must be at least 1000'],
    [
      'an engine timeout longer than the function timeout',
      { engineTimeoutMs: 60_000 },
      'engineTimeoutMs: (60000) must be below functionTimeoutSeconds × 1000 (60000)',
    ],
    [
      'a retention that is not seconds',
      { deadLetterRetention: '7d' },
      "deadLetterRetention: must be seconds such as '604800s'",
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}, naming the argument`, () => {
      const text = rejection(args);
      expect(text).to.match(/^EchoLoop 'echo': invalid arguments:\n {2}- /);
      expect(text).to.include(message);
    });
  }

  it('lists every problem at once, one line each', () => {
    const text = rejection({ namePrefix: 'X', loopName: '1x', alertAfterMinutes: 0, maxDeliveryAttempts: 2 });
    expect(text.split('\n').slice(1)).to.have.length(4);
    for (const part of ['namePrefix', 'loopName', 'alertAfterMinutes', 'maxDeliveryAttempts']) {
      expect(text).to.include(part);
    }
  });
});
