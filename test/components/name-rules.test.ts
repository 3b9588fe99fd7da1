// The rules the components, the stack configuration and the policy pack share: a name one of them
// accepts, none of the others refuses.

import fc from 'fast-check';
import { expect } from 'chai';
import { resolveCamundaServerlessArgs } from '../../components/camunda-serverless';
import { REGION, REGION_RULE, regionProblem, SECRET_NAME } from '../../components/name-rules';
import { RESERVED_ENV } from '../../components/engine/settings-schema';
import { readStackConfig } from '../../components/stack-config';
import { noPlaintextSecretEnv, SECRET_NAME as POLICY_SECRET_NAME } from '../../policy/policies';
import { check } from '../policy/support/harness';

const PROVIDER = { project: 'test-project', region: 'europe-west1' };

/** Whether CamundaServerless takes a plain environment variable of this name. */
function componentAccepts(envName: string): boolean {
  try {
    resolveCamundaServerlessArgs('camunda', { environment: { [envName]: 'literal' } }, PROVIDER);
    return true;
  } catch {
    return false;
  }
}

/** Whether the policy pack lets a Cloud Run service carry this literal environment variable. */
async function policyAccepts(envName: string): Promise<boolean> {
  const service = {
    type: 'gcp:cloudrunv2/service:Service',
    name: 'service',
    props: { template: { containers: [{ envs: [{ name: envName, value: 'literal' }] }] } },
  };
  return (await check(noPlaintextSecretEnv, [service])).length === 0;
}

describe('name rules: secret names', () => {
  it('is one rule: the policy pack uses the components’ own', () => {
    expect(POLICY_SECRET_NAME).to.equal(SECRET_NAME);
  });

  for (const name of ['APIKEY', 'API_KEY', 'apiKey', 'DB_PASSWORD', 'GITHUB_TOKEN', 'CLIENT_SECRET']) {
    it(`${name}: refused by the component and by the policy pack`, async () => {
      expect(componentAccepts(name)).to.equal(false);
      expect(await policyAccepts(name)).to.equal(false);
    });
  }

  for (const name of ['PUBSUB_URL', 'LOG_LEVEL', 'KEYCLOAK_URL']) {
    it(`${name}: accepted by the component and by the policy pack`, async () => {
      expect(componentAccepts(name)).to.equal(true);
      expect(await policyAccepts(name)).to.equal(true);
    });
  }

  it('any name: the component and the policy pack agree', async () => {
    const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/);
    await fc.assert(
      fc.asyncProperty(envName, async (name) => {
        // Names the component sets itself are refused for that reason, not as secrets.
        fc.pre(!RESERVED_ENV.has(name));
        expect(componentAccepts(name), name).to.equal(await policyAccepts(name));
      }),
      { numRuns: 60 },
    );
  });
});

describe('name rules: regions', () => {
  const regions = ['europe-west1', 'us-central1', 'northamerica-northeast2', 'me-central2', 'europe-west10'];
  const notRegions = ['Europe West 1', 'europe-west1-b', 'EU', 'westeurope', 'europe-west'];

  /** What each reader of a region makes of `value`: undefined when it accepts it, else its message. */
  function readers(value: string): { component?: string; schedulerRegion?: string; stack?: string } {
    const outcome = (run: () => unknown): string | undefined => {
      try {
        run();
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    };
    return {
      component: outcome(() => resolveCamundaServerlessArgs('camunda', { region: value }, PROVIDER)),
      schedulerRegion: outcome(() =>
        readStackConfig((key) => (key === 'schedulerRegion' ? value : undefined), PROVIDER, 'dev'),
      ),
      stack: outcome(() => readStackConfig(() => undefined, { ...PROVIDER, region: value }, 'dev')),
    };
  }

  for (const region of regions) {
    it(`${region}: a region for the rule, the component and the stack configuration`, () => {
      expect(REGION.test(region)).to.equal(true);
      expect(regionProblem(region)).to.equal(undefined);
      expect(readers(region)).to.deep.equal({ component: undefined, schedulerRegion: undefined, stack: undefined });
    });
  }

  for (const value of notRegions) {
    it(`'${value}': refused everywhere with the one wording`, () => {
      const { component, schedulerRegion, stack } = readers(value);
      expect(component).to.include(`region: ${REGION_RULE}`);
      expect(schedulerRegion).to.include(`camunda-serverless:schedulerRegion: ${REGION_RULE}, or empty`);
      expect(stack).to.include(`gcp:region: ${regionProblem(value)}`);
    });
  }
});
