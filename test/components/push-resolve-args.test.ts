// resolvePushWorkerArgs and the worker's names without Pulumi resources: defaults, what comes from the
// engine, the name scheme within GCP's limits, and every refusal at once.

import { expect } from 'chai';
import fc from 'fast-check';
import type { EngineEndpoint } from '../../components/camunda-serverless';
import {
  fitName,
  NAME_LIMITS,
  type PushWorkerArgs,
  resolvePushWorkerArgs,
  workerNames,
} from '../../components/push-worker';
import { pushWorkerCaller } from '../../components/push/engine-access';
import { valueOf } from './support/mocks';

const engine: EngineEndpoint = {
  url: 'https://engine.example',
  serviceName: 'camunda-dev-engine',
  location: 'europe-west1',
  project: 'test-project',
  serviceAccountEmail: 'engine@test-project.iam.gserviceaccount.com',
};
const base: PushWorkerArgs = { engine, taskType: 'price-order', source: 'workers/price', entryPoint: 'priceOrder' };
const resolve = (args: Partial<PushWorkerArgs> = {}, name = 'price') =>
  resolvePushWorkerArgs(name, { ...base, ...args });

function rejection(args: Partial<PushWorkerArgs>): string {
  try {
    resolve(args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('resolvePushWorkerArgs', () => {
  it('defaults: names from the component name and the task type, project and region from the engine', async () => {
    const resolved = resolve();
    expect(resolved.base).to.equal('price-price-order');
    expect(resolved.names.topic).to.equal('price-price-order');
    expect(resolved.title).to.equal('push worker price-order');
    expect(resolved.labels).to.deep.equal({
      app: 'camunda-serverless',
      'managed-by': 'pulumi',
      'task-type': 'price-order',
    });
    expect(resolved.settings).to.deep.include({
      maxDeliveryAttempts: 10,
      functionTimeoutSeconds: 60,
      engineTimeoutMs: 10_000,
    });
    expect(await valueOf(resolved.project)).to.equal('test-project');
    expect(await valueOf(resolved.region)).to.equal('europe-west1');
    expect(resolve({ namePrefix: 'camunda-dev' }).base).to.equal('camunda-dev-price-order');
    expect(resolve({ baseName: 'orders-pricing' }).names.functionAccountId).to.equal('orders-pricing-fn');
  });

  it('names the function account as pushWorkerCaller does, before the worker exists', async () => {
    for (const args of [
      {},
      { namePrefix: 'camunda-dev' },
      { baseName: 'x'.repeat(40) },
      { taskType: `a${'b'.repeat(62)}` },
    ]) {
      const resolved = resolve(args);
      const caller = pushWorkerCaller({ name: 'price', project: 'test-project', ...base, ...args });
      expect(await valueOf(caller.email)).to.equal(
        `${resolved.names.functionAccountId}@test-project.iam.gserviceaccount.com`,
      );
    }
  });

  it('lists every problem at once, each naming its key and the fix', () => {
    const text = rejection({
      taskType: '9lives',
      entryPoint: '',
      source: '',
      namePrefix: 'X',
      maxDeliveryAttempts: 3,
      alertAfterMinutes: 1,
      environment: { K_SERVICE: 'x', DB_PASSWORD: 'y' },
    });
    expect(text).to.match(/^PushWorker 'price': invalid arguments:\n {2}- /);
    for (const part of [
      "taskType '9lives'",
      "entryPoint ''",
      'source is required',
      "namePrefix 'X' must be 4 to 20",
      'maxDeliveryAttempts: must be at least 5',
      'alertAfterMinutes must be a whole number from 2 to 1410',
      'environment.K_SERVICE: is set by PushWorker or Cloud Run',
      'environment.DB_PASSWORD: names a secret',
    ]) {
      expect(text).to.include(part);
    }
    expect(rejection({ baseName: 'Bad_Base' })).to.include("baseName 'Bad_Base' must be 4 to 100");
  });
});

describe('worker names', () => {
  it('keep short names as they are, and cut long ones with a hash, within the limit', () => {
    expect(fitName('camunda-dev-echo', 'fn', 30)).to.equal('camunda-dev-echo-fn');
    const long = fitName(`camunda-dev-${'x'.repeat(40)}`, 'push', 30);
    expect(long).to.have.length(30);
    expect(long).to.match(/^camunda-dev-x+-[0-9a-f]{6}-push$/);
  });

  it('every name of any base (4 to 100 characters) fits its limit, starts with a letter and ends with a letter or digit', () => {
    const baseName = fc.stringMatching(/^[a-z][a-z0-9-]{2,97}[a-z0-9]$/);
    fc.assert(
      fc.property(baseName, (b) => {
        const names = workerNames(b);
        for (const key of ['functionAccountId', 'pushAccountId', 'buildAccountId'] as const) {
          expect(names[key]).to.match(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
        }
        expect(names.functionName.length).to.be.at.most(NAME_LIMITS.functionName);
        expect(names.functionName).to.match(/^[a-z](?:[a-z0-9-]*[a-z0-9])?$/);
        expect(names.roundTripMetric.length).to.be.at.most(NAME_LIMITS.metricName);
      }),
    );
  });

  it('two bases that share their start get different shortened names', () => {
    const a = workerNames(`camunda-dev-${'a'.repeat(50)}-one`);
    const b = workerNames(`camunda-dev-${'a'.repeat(50)}-two`);
    expect(a.functionAccountId).to.not.equal(b.functionAccountId);
    expect(a.functionName).to.not.equal(b.functionName);
  });
});
