// The resource-level public-invoker policies: every IAM grant type, allowed and forbidden, with all
// values known and in preview with unknown ones; and the invoker-IAM-disabled switch.

import { expect } from 'chai';
import { noInvokerIamDisabled, noPublicInvoker, noPublicInvokerGrant } from '../../policy/policies';
import { check, run, UNKNOWN, type FakeResource, type PackConfig } from './support/harness';

/** The pack config that lets the engine `camunda-dev-engine` and the function `echo` be public. */
const ALLOWED: PackConfig = { 'no-public-invoker-grant': { publicInvokers: ['camunda-dev-engine', 'echo'] } };

interface GrantType {
  readonly token: string;
  readonly nameProp: string;
  readonly target: string;
  readonly role: string;
}

const SERVICE_GRANTS: GrantType[] = [
  ['gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'name', 'camunda-dev-engine', 'roles/run.invoker'],
  ['gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding', 'name', 'camunda-dev-engine', 'roles/run.invoker'],
  ['gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy', 'name', 'camunda-dev-engine', 'roles/run.invoker'],
  ['gcp:cloudrun/iamMember:IamMember', 'service', 'camunda-dev-engine', 'roles/run.invoker'],
  ['gcp:cloudrun/iamBinding:IamBinding', 'service', 'camunda-dev-engine', 'roles/run.invoker'],
  ['gcp:cloudrun/iamPolicy:IamPolicy', 'service', 'camunda-dev-engine', 'roles/run.invoker'],
  ['gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember', 'cloudFunction', 'echo', 'roles/cloudfunctions.invoker'],
  [
    'gcp:cloudfunctionsv2/functionIamBinding:FunctionIamBinding',
    'cloudFunction',
    'echo',
    'roles/cloudfunctions.invoker',
  ],
  ['gcp:cloudfunctionsv2/functionIamPolicy:FunctionIamPolicy', 'cloudFunction', 'echo', 'roles/cloudfunctions.invoker'],
  ['gcp:cloudfunctions/functionIamMember:FunctionIamMember', 'cloudFunction', 'echo', 'roles/cloudfunctions.invoker'],
  ['gcp:cloudfunctions/functionIamBinding:FunctionIamBinding', 'cloudFunction', 'echo', 'roles/cloudfunctions.invoker'],
  ['gcp:cloudfunctions/functionIamPolicy:FunctionIamPolicy', 'cloudFunction', 'echo', 'roles/cloudfunctions.invoker'],
].map(([token, nameProp, target, role]) => ({ token, nameProp, target, role }) as GrantType);

const PROJECT_GRANTS = [
  'gcp:projects/iAMMember:IAMMember',
  'gcp:projects/iAMBinding:IAMBinding',
  'gcp:projects/iAMPolicy:IAMPolicy',
];

/** The one grant of `role` to `member` the way `token` spells it: member, members or policyData. */
function grantProps(token: string, role: unknown, member: unknown): Record<string, unknown> {
  if (token.endsWith('Member')) return { role, member };
  if (token.endsWith('Binding')) return { role, members: ['serviceAccount:fn@p.iam.gserviceaccount.com', member] };
  if (role === UNKNOWN || member === UNKNOWN) return { policyData: UNKNOWN };
  return { policyData: JSON.stringify({ bindings: [{ role, members: [member] }] }) };
}

function grant(type: GrantType, member: unknown, options: { target?: unknown; role?: unknown } = {}): FakeResource {
  return {
    type: type.token,
    name: 'invoker',
    props: {
      project: UNKNOWN,
      location: 'europe-west1',
      [type.nameProp]: options.target ?? `projects/p/locations/europe-west1/services/${type.target}`,
      ...grantProps(type.token, options.role ?? type.role, member),
    },
  };
}

/** Violations of the grant policy; fails if the policy was skipped for an unknown value. */
async function grantViolations(resources: FakeResource[], config: PackConfig = {}): Promise<string[]> {
  const outcome = await run([noPublicInvokerGrant], resources, config);
  expect(outcome.skipped, 'skipped for an unknown value').to.deep.equal([]);
  return outcome.violations.map((v) => v.message);
}

describe('policy no-public-invoker-grant', () => {
  for (const type of SERVICE_GRANTS) {
    describe(type.token, () => {
      it('passes grants to service accounts, whatever the config', async () => {
        expect(await grantViolations([grant(type, 'serviceAccount:fn@p.iam.gserviceaccount.com')])).to.deep.equal([]);
      });

      it('fails allUsers and allAuthenticatedUsers on a target the config does not list', async () => {
        for (const member of ['allUsers', 'allAuthenticatedUsers']) {
          const violations = await grantViolations([grant(type, member)]);
          expect(violations, member).to.deep.equal([
            `grants ${type.role} to ${member} on '${type.target}', which the config no-public-invoker-grant.publicInvokers does not list; remove the member or add '${type.target}' there`,
          ]);
        }
        const other = { 'no-public-invoker-grant': { publicInvokers: ['somebody-else'] } };
        expect(await grantViolations([grant(type, 'allUsers')], other)).to.have.length(1);
      });

      it('passes the invoker role to allUsers on a listed target', async () => {
        expect(await grantViolations([grant(type, 'allUsers')], ALLOWED)).to.deep.equal([]);
      });

      it('fails a listed target granting the public more than invoking', async () => {
        const violations = await grantViolations([grant(type, 'allUsers', { role: 'roles/run.admin' })], ALLOWED);
        expect(violations).to.have.length(1);
        expect(violations[0]).to.include('public for invoking only');
      });

      if (!type.token.endsWith('Policy')) {
        it('in preview: fails a literal allUsers while the role, project and target are unknown', async () => {
          const unknownRole = await grantViolations([grant(type, 'allUsers', { role: UNKNOWN })], ALLOWED);
          expect(unknownRole).to.deep.equal([
            `grants a role unknown during preview to allUsers on '${type.target}'; a public service is public for invoking only (roles/run.invoker or roles/cloudfunctions.invoker)`,
          ]);
          const unknownTarget = await grantViolations([grant(type, 'allUsers', { target: UNKNOWN })], ALLOWED);
          expect(unknownTarget).to.have.length(1);
          expect(unknownTarget[0]).to.include(
            `but ${type.nameProp} (the service or function) is unknown during preview`,
          );
        });
      }

      it('in preview: passes an unknown member, and does not throw on unknown values', async () => {
        expect(await grantViolations([grant(type, UNKNOWN)])).to.deep.equal([]);
        expect(await grantViolations([grant(type, UNKNOWN, { target: UNKNOWN, role: UNKNOWN })])).to.deep.equal([]);
      });
    });
  }

  it('in preview: finds a literal allUsers among unknown members of a binding', async () => {
    const binding: FakeResource = {
      type: 'gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding',
      props: { name: 'camunda-dev-engine', role: 'roles/run.invoker', members: [UNKNOWN, 'allUsers', UNKNOWN] },
    };
    expect(await grantViolations([binding])).to.have.length(1);
    expect(await grantViolations([{ ...binding, props: { ...binding.props, members: UNKNOWN } }])).to.deep.equal([]);
  });

  it('refuses variant spellings of the public members', async () => {
    const [type] = SERVICE_GRANTS as [GrantType];
    expect(await grantViolations([grant(type, ' AllUsers'), grant(type, 'allauthenticatedusers')])).to.have.length(2);
  });

  for (const token of PROJECT_GRANTS) {
    it(`${token}: refuses any role to the public on the project, even when the config lists services`, async () => {
      for (const role of ['roles/run.invoker', 'roles/cloudfunctions.invoker', 'roles/viewer']) {
        for (const member of ['allUsers', 'allAuthenticatedUsers']) {
          const violations = await grantViolations([{ type: token, props: grantProps(token, role, member) }], ALLOWED);
          expect(violations, `${role} ${member}`).to.deep.equal([
            `grants ${role} to ${member} on the whole project, which can never be public; grant it on one service`,
          ]);
        }
      }
      const account = 'serviceAccount:fn@p.iam.gserviceaccount.com';
      expect(
        await grantViolations([{ type: token, props: grantProps(token, 'roles/run.invoker', account) }]),
      ).to.deep.equal([]);
    });
  }

  it('in preview: refuses a project-level allUsers with the role and project unknown', async () => {
    const member: FakeResource = {
      type: 'gcp:projects/iAMMember:IAMMember',
      props: { project: UNKNOWN, role: UNKNOWN, member: 'allUsers' },
    };
    expect(await grantViolations([member])).to.deep.equal([
      'grants a role unknown during preview to allUsers on the whole project, which can never be public; grant it on one service',
    ]);
  });

  it('refuses a public Cloud Run job runner', async () => {
    const job: FakeResource = {
      type: 'gcp:cloudrunv2/jobIamMember:JobIamMember',
      props: { name: 'camunda-dev-wake-up', role: 'roles/run.invoker', member: 'allUsers' },
    };
    expect(await grantViolations([job], ALLOWED)).to.have.length(1);
  });

  it('leaves other IAM types and unparsable policy data alone', async () => {
    const topic: FakeResource = {
      type: 'gcp:pubsub/topicIAMMember:TopicIAMMember',
      props: { role: 'roles/pubsub.publisher', member: 'allUsers' },
    };
    const broken: FakeResource = {
      type: 'gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy',
      props: { name: 'camunda-dev-engine', policyData: '{not json' },
    };
    expect(await grantViolations([topic, broken])).to.deep.equal([]);
  });
});

describe('policy no-invoker-iam-disabled', () => {
  const v2 = (props: Record<string, unknown>): FakeResource => ({
    type: 'gcp:cloudrunv2/service:Service',
    props: { name: 'camunda-dev-engine', template: UNKNOWN, ...props },
  });
  const v1 = (metadata: Record<string, unknown>): FakeResource => ({
    type: 'gcp:cloudrun/service:Service',
    props: { name: 'camunda-dev-engine', template: UNKNOWN, metadata },
  });
  const OFF = { 'run.googleapis.com/invoker-iam-disabled': 'true' };

  async function violations(resources: FakeResource[]): Promise<string[]> {
    const outcome = await run([noInvokerIamDisabled], resources);
    expect(outcome.skipped, 'skipped for an unknown value').to.deep.equal([]);
    return outcome.violations.map((v) => v.message);
  }

  it('passes services that keep the check on, or whose switch is unknown in preview', async () => {
    expect(
      await violations([v2({ invokerIamDisabled: false }), v2({}), v2({ invokerIamDisabled: UNKNOWN }), v1({})]),
    ).to.deep.equal([]);
  });

  it('fails the switch without the opt-in label, on v2 and v1 services', async () => {
    expect(
      await violations([v2({ invokerIamDisabled: true, labels: { team: 'bpm' } }), v1({ annotations: OFF })]),
    ).to.deep.equal([
      'invokerIamDisabled switches the invoker IAM check off without the label public-invoker=opted-in',
      'metadata.annotations.run.googleapis.com/invoker-iam-disabled switches the invoker IAM check off without the label public-invoker=opted-in',
    ]);
  });

  it('passes the switch with the opt-in label', async () => {
    const optIn = { 'public-invoker': 'opted-in' };
    expect(
      await violations([v2({ invokerIamDisabled: true, labels: optIn }), v1({ annotations: OFF, labels: optIn })]),
    ).to.deep.equal([]);
  });

  it('in preview: fails the switch while the labels are unknown (the opt-in cannot be seen)', async () => {
    const found = await violations([
      v2({ invokerIamDisabled: true, labels: UNKNOWN }),
      v2({ invokerIamDisabled: true, labels: { 'public-invoker': UNKNOWN } }),
      v1({ annotations: OFF, labels: UNKNOWN }),
    ]);
    expect(found).to.have.length(3);
    for (const message of found) expect(message).to.include('is unknown during preview');
  });
});

describe('the stack policy no-public-invoker beside the resource-level ones', () => {
  const service: FakeResource = {
    type: 'gcp:cloudrunv2/service:Service',
    name: 'camunda-service',
    props: {
      name: 'camunda-dev-engine',
      labels: { 'public-invoker': 'opted-in' },
      template: { containers: [{ envs: [{ name: 'REST_AUTH', value: 'basic' }] }] },
    },
  };
  const publicMember: FakeResource = {
    type: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
    props: { name: 'camunda-dev-engine', role: 'roles/run.invoker', member: 'allUsers' },
  };

  it('a public engine passes both when labelled, authenticated and listed in the config', async () => {
    expect(await check(noPublicInvoker, [service, publicMember])).to.deep.equal([]);
    expect(await check(noPublicInvokerGrant, [service, publicMember], ALLOWED)).to.deep.equal([]);
  });

  it('the stack policy still refuses a listed service that lacks the label', async () => {
    const unlabelled = { ...service, props: { ...service.props, labels: {} } };
    expect(await check(noPublicInvokerGrant, [unlabelled, publicMember], ALLOWED)).to.deep.equal([]);
    expect(await check(noPublicInvoker, [unlabelled, publicMember])).to.have.length(1);
  });
});

describe('the resource-level policies under the framework’s own unknown-value proxy', () => {
  /** @pulumi/policy's internal proxy module: what the pack's server wraps each resource's inputs in. */
  interface FrameworkProxy {
    unknownCheckingProxy<T>(props: T): T;
    readonly unknownStringValue: string;
    readonly unknownObjectValue: string;
  }

  async function frameworkViolations(
    policy: typeof noPublicInvokerGrant,
    type: string,
    props: (proxy: FrameworkProxy) => Record<string, unknown>,
  ): Promise<string[]> {
    const proxy = (await import('@pulumi/policy/proxy.js')) as unknown as FrameworkProxy;
    const found: string[] = [];
    const validate = policy.validateResource as (args: unknown, report: (message: string) => void) => void;
    const args = { type, name: 'r', props: proxy.unknownCheckingProxy(props(proxy)), getConfig: () => ({}) };
    validate(args, (message) => found.push(message));
    return found;
  }

  it('refuses a literal allUsers among unknown values, and does not throw', async () => {
    const binding = await frameworkViolations(
      noPublicInvokerGrant,
      'gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding',
      (p) => ({ name: p.unknownStringValue, role: p.unknownStringValue, members: [p.unknownStringValue, 'allUsers'] }),
    );
    expect(binding).to.have.length(1);
    const project = await frameworkViolations(noPublicInvokerGrant, 'gcp:projects/iAMMember:IAMMember', (p) => ({
      project: p.unknownStringValue,
      role: 'roles/run.invoker',
      member: 'allUsers',
    }));
    expect(project).to.have.length(1);
    const policy = await frameworkViolations(
      noPublicInvokerGrant,
      'gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy',
      (p) => ({
        name: 'camunda-dev-engine',
        policyData: p.unknownStringValue,
      }),
    );
    expect(policy).to.deep.equal([]);
  });

  it('refuses the invoker switch while the labels are unknown', async () => {
    const found = await frameworkViolations(noInvokerIamDisabled, 'gcp:cloudrunv2/service:Service', (p) => ({
      invokerIamDisabled: true,
      labels: p.unknownObjectValue,
    }));
    expect(found).to.have.length(1);
  });
});
