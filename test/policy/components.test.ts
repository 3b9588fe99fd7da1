// The policy pack over what PushWorker and EchoLoop declare under Pulumi mocks, on an update and in a
// preview: no public invoker, no secret in a plain environment variable or an output, no primitive role.

import { expect } from 'chai';
import type { EngineEndpoint } from '../../components/camunda-serverless';
import { policies } from '../../policy/policies';
import { PROJECT, REGION, runProgram, stackConfig } from '../components/support/mocks';
import { fixtureSource } from '../components/support/archive';
import { checkAll } from './support/harness';
import { policyView } from './support/view';

type Components = typeof import('../../components');

const engine: EngineEndpoint = {
  url: 'https://camunda-dev-engine-abcdefghij-ew.a.run.app',
  serviceName: 'camunda-dev-engine',
  location: REGION,
  project: PROJECT,
  serviceAccountEmail: `camunda-dev-engine@${PROJECT}.iam.gserviceaccount.com`,
  basicAuth: { user: 'admin', passwordSecretId: 'camunda-dev-admin', passwordSecretVersion: '1', password: 'pw-12345' },
};

const source = fixtureSource('price-order');

const programs: Record<string, () => unknown> = {
  PushWorker: () => {
    const { PushWorker } = require('../../components') as Components;
    const worker = new PushWorker('price', {
      engine,
      taskType: 'price-order',
      source,
      entryPoint: 'priceOrder',
      namePrefix: 'camunda-dev',
      environment: { PRICE_LIST: 'eu' },
    });
    return { functionUrl: worker.functionUrl, dashboardUrl: worker.dashboardUrl, topic: worker.topicName };
  },
  EchoLoop: () => {
    const { EchoLoop } = require('../../components') as Components;
    const loop = new EchoLoop('echo', { engine, namePrefix: 'camunda-dev-echo' });
    return {
      functionUrl: loop.functionUrl,
      dashboardUrl: loop.dashboardUrl,
      processInstanceId: loop.processInstanceId,
    };
  },
};

describe('policy pack over the components', () => {
  for (const [component, program] of Object.entries(programs)) {
    it(`${component} passes, on an update and in a preview`, async () => {
      for (const preview of [false, true]) {
        const run = await runProgram(program, { config: stackConfig(), preview });
        expect(await checkAll(policies, policyView(run)), `preview: ${preview}`).to.deep.equal([]);
      }
    });
  }

  it('the check can fail: a password put in the function environment is caught', async () => {
    const run = await runProgram(programs.PushWorker as () => unknown, { config: stackConfig() });
    const tampered = policyView(run).map((r) => {
      if (r.type !== 'gcp:cloudfunctionsv2/function:Function') return r;
      const serviceConfig = r.props.serviceConfig as Record<string, Record<string, unknown>>;
      const environmentVariables = { ...serviceConfig.environmentVariables, ENGINE_BASIC_AUTH_PASSWORD: 'pw-12345' };
      return { ...r, props: { ...r.props, serviceConfig: { ...serviceConfig, environmentVariables } } };
    });
    expect((await checkAll(policies, tampered)).map((v) => v.policy)).to.deep.equal(['no-plaintext-secret-env']);
  });
});
