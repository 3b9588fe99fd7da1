// Each policy of the pack with resources that pass and resources that must fail.

import fc from 'fast-check';
import {
  cloudRunImageByDigest,
  cloudSqlNoOpenNetwork,
  cloudSqlRequireSsl,
  looksLikeSecretValue,
  noPlaintextSecretEnv,
  noPrimitiveRoles,
  noPublicInvoker,
  noSecretOutputs,
  policies,
} from '../../policy/policies';
import { expect } from 'chai';
import { check, type FakeResource } from './support/harness';

const DIGEST = `europe-west1-docker.pkg.dev/p/r/camunda@sha256:${'0f'.repeat(32)}`;

function runService(
  options: {
    name?: string;
    labels?: Record<string, string>;
    envs?: Record<string, unknown>[];
    image?: string;
    invokerIamDisabled?: boolean;
  } = {},
): FakeResource {
  return {
    type: 'gcp:cloudrunv2/service:Service',
    name: 'camunda-service',
    props: {
      name: options.name ?? 'camunda-dev-engine',
      location: 'europe-west1',
      labels: options.labels ?? {},
      ...(options.invokerIamDisabled !== undefined ? { invokerIamDisabled: options.invokerIamDisabled } : {}),
      template: {
        containers: [{ image: options.image ?? DIGEST, envs: options.envs ?? [{ name: 'REST_AUTH', value: 'none' }] }],
      },
    },
  };
}

const invoker = (member: string, service = 'camunda-dev-engine'): FakeResource => ({
  type: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
  name: 'camunda-invoker',
  props: { name: service, location: 'europe-west1', role: 'roles/run.invoker', member },
});

describe('policy pack', () => {
  it('holds the nine invariants, all mandatory', () => {
    expect(policies.map((p) => p.name)).to.deep.equal([
      'no-public-invoker',
      'no-public-invoker-grant',
      'no-invoker-iam-disabled',
      'no-plaintext-secret-env',
      'no-secret-outputs',
      'no-primitive-roles',
      'cloud-sql-no-open-network',
      'cloud-sql-require-ssl',
      'cloud-run-image-by-digest',
    ]);
    for (const policy of policies) expect(policy.enforcementLevel, policy.name).to.equal('mandatory');
  });
});

describe('policy no-public-invoker', () => {
  it('passes a private service invoked by a service account', async () => {
    expect(
      await check(noPublicInvoker, [runService(), invoker('serviceAccount:fn@p.iam.gserviceaccount.com')]),
    ).to.deep.equal([]);
  });

  it('fails allUsers and allAuthenticatedUsers on a service that did not opt in', async () => {
    for (const member of ['allUsers', 'allAuthenticatedUsers']) {
      const violations = await check(noPublicInvoker, [runService(), invoker(member)]);
      expect(violations, member).to.have.length(1);
      expect(violations[0]).to.include(`without the label public-invoker=opted-in`);
    }
  });

  it('passes a public engine that opted in with Camunda basic auth on', async () => {
    const service = runService({
      labels: { 'public-invoker': 'opted-in' },
      envs: [{ name: 'REST_AUTH', value: 'basic' }],
    });
    expect(await check(noPublicInvoker, [service, invoker('allUsers')])).to.deep.equal([]);
  });

  it('fails a public engine that opted in but left Camunda authentication off', async () => {
    const service = runService({
      labels: { 'public-invoker': 'opted-in' },
      envs: [{ name: 'REST_AUTH', value: 'none' }],
    });
    const violations = await check(noPublicInvoker, [service, invoker('allUsers')]);
    expect(violations).to.deep.equal([
      `the Camunda engine 'camunda-service' is public but REST_AUTH is 'none'; public engines need REST_AUTH=basic`,
    ]);
  });

  it('finds the service through the property dependency when names do not match', async () => {
    const service = runService({ name: 'physical-name', labels: { 'public-invoker': 'opted-in' }, envs: [] });
    const member: FakeResource = {
      ...invoker('allUsers', 'projects/p/locations/l/services/other'),
      propertyDependencies: { name: [service] },
    };
    expect(await check(noPublicInvoker, [service, member])).to.deep.equal([]);
  });

  it('fails a public grant on a service the stack does not declare (no opt-in can be checked)', async () => {
    const violations = await check(noPublicInvoker, [invoker('allUsers', 'somebody-elses-service')]);
    expect(violations[0]).to.match(/on a service this stack does not declare/);
  });

  it('fails public bindings and IAM policies, and functions made public', async () => {
    const binding: FakeResource = {
      type: 'gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding',
      props: {
        name: 'camunda-dev-engine',
        role: 'roles/run.invoker',
        members: ['serviceAccount:a@p.iam.gserviceaccount.com', 'allUsers'],
      },
    };
    const policy: FakeResource = {
      type: 'gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy',
      props: {
        name: 'camunda-dev-engine',
        policyData: JSON.stringify({ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] }),
      },
    };
    const fn: FakeResource = {
      type: 'gcp:cloudfunctionsv2/function:Function',
      name: 'fn',
      props: { name: 'echo', labels: {} },
    };
    const fnMember: FakeResource = {
      type: 'gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember',
      props: { cloudFunction: 'echo', role: 'roles/cloudfunctions.invoker', member: 'allUsers' },
    };
    expect(await check(noPublicInvoker, [runService(), binding, policy, fn, fnMember])).to.have.length(3);
  });

  it('fails a service that switches the invoker check off without opting in', async () => {
    expect(await check(noPublicInvoker, [runService({ invokerIamDisabled: true })])).to.have.length(1);
    expect(
      await check(noPublicInvoker, [
        runService({ invokerIamDisabled: true, labels: { 'public-invoker': 'opted-in' } }),
      ]),
    ).to.deep.equal([]);
  });
});

describe('policy no-plaintext-secret-env', () => {
  it('passes secret references and plain non-secret settings', async () => {
    const service = runService({
      envs: [
        { name: 'DB_USER', value: 'camunda' },
        { name: 'DB_PASSWORD', valueSource: { secretKeyRef: { secret: 'db-password', version: '1' } } },
        { name: 'ENGINE_AUTH', value: 'id-token' },
      ],
    });
    const fn: FakeResource = {
      type: 'gcp:cloudfunctionsv2/function:Function',
      props: {
        serviceConfig: {
          environmentVariables: { ENGINE_URL: 'https://x.a.run.app', ENGINE_BASIC_AUTH_USER: 'admin' },
          secretEnvironmentVariables: [
            { key: 'ENGINE_BASIC_AUTH_PASSWORD', secret: 's', version: '1', projectId: 'p' },
          ],
        },
      },
    };
    expect(await check(noPlaintextSecretEnv, [service, fn])).to.deep.equal([]);
  });

  it('fails a literal value under a secret-like name, in services, jobs and functions', async () => {
    const service = runService({ envs: [{ name: 'DB_PASSWORD', value: 'hunter2' }] });
    const job: FakeResource = {
      type: 'gcp:cloudrunv2/job:Job',
      props: { template: { template: { containers: [{ image: DIGEST, envs: [{ name: 'API_KEY', value: 'k' }] }] } } },
    };
    const fn: FakeResource = {
      type: 'gcp:cloudfunctionsv2/function:Function',
      props: { serviceConfig: { environmentVariables: { ENGINE_BASIC_AUTH_PASSWORD: 'p' } } },
    };
    const fnV1: FakeResource = {
      type: 'gcp:cloudfunctions/function:Function',
      props: { environmentVariables: { GITHUB_TOKEN: 't' } },
    };
    const violations = await check(noPlaintextSecretEnv, [service, job, fn, fnV1]);
    expect(violations).to.have.length(4);
    expect(violations[0]).to.equal(
      `template.containers[0].envs[0]: 'DB_PASSWORD' holds a literal value; give it as a Secret Manager reference`,
    );
  });

  it('fails a key or token under an innocent name', async () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----';
    expect(await check(noPlaintextSecretEnv, [runService({ envs: [{ name: 'CONFIG', value: key }] })])).to.have.length(
      1,
    );
  });

  it('recognises generated secret shapes, and not ordinary text', () => {
    const apiKey = fc.stringMatching(/^[0-9A-Za-z_-]{35}$/).map((s) => `AIza${s}`);
    fc.assert(fc.property(apiKey, (k) => looksLikeSecretValue(k)));
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9 .:/-]{0,60}$/), (text) => !looksLikeSecretValue(text)));
  });
});

describe('policy no-secret-outputs', () => {
  const stack = (outputs: Record<string, unknown>): FakeResource => ({
    type: 'pulumi:pulumi:Stack',
    name: 'camunda-serverless-dev',
    props: outputs,
  });

  it('passes URLs, names and Secret Manager references', async () => {
    const outputs = {
      engineUrl: 'https://x.a.run.app',
      databasePasswordSecret: 'projects/p/secrets/camunda-dev-db-password',
      adminUser: 'admin',
    };
    expect(await check(noSecretOutputs, [stack(outputs)])).to.deep.equal([]);
  });

  it('fails a secret-named output holding a value, nested ones too, and token-shaped values anywhere', async () => {
    const violations = await check(noSecretOutputs, [
      stack({ adminPassword: 'Zx81kq', nested: { apiToken: 'abc' }, deployer: 'ya29.a0AfH6SMBx1234567890abcdefghij' }),
      { type: 'camunda-serverless:index:CamundaServerless', name: 'camunda', props: { dbPassword: 'plain' } },
    ]);
    expect(violations).to.have.length(4);
    expect(violations[0]).to.include('adminPassword is named like a secret');
  });

  it('ignores ordinary resources (their inputs are checked by the other policies)', async () => {
    expect(await check(noSecretOutputs, [{ type: 'gcp:sql/user:User', props: { password: 'x' } }])).to.deep.equal([]);
  });
});

describe('policy no-primitive-roles', () => {
  it('passes predefined roles', async () => {
    const grants: FakeResource[] = [
      {
        type: 'gcp:projects/iAMMember:IAMMember',
        props: { role: 'roles/cloudsql.client', member: 'serviceAccount:a@p.iam.gserviceaccount.com' },
      },
      {
        type: 'gcp:pubsub/topicIAMMember:TopicIAMMember',
        props: { role: 'roles/pubsub.publisher', member: 'serviceAccount:a@p.iam.gserviceaccount.com' },
      },
    ];
    expect(await check(noPrimitiveRoles, grants)).to.deep.equal([]);
  });

  it('fails owner and editor in members, bindings and policies', async () => {
    const violations = await check(noPrimitiveRoles, [
      { type: 'gcp:projects/iAMMember:IAMMember', props: { role: 'roles/owner', member: 'user:a@example.com' } },
      {
        type: 'gcp:projects/iAMBinding:IAMBinding',
        props: { role: 'roles/editor', members: ['serviceAccount:a@p.iam.gserviceaccount.com'] },
      },
      {
        type: 'gcp:projects/iAMPolicy:IAMPolicy',
        props: {
          policyData: JSON.stringify({ bindings: [{ role: 'roles/editor', members: ['group:g@example.com'] }] }),
        },
      },
    ]);
    expect(violations).to.deep.equal([
      'grants roles/owner to user:a@example.com; use a predefined role instead',
      'grants roles/editor to serviceAccount:a@p.iam.gserviceaccount.com; use a predefined role instead',
      'grants roles/editor to group:g@example.com; use a predefined role instead',
    ]);
  });
});

describe('policies for Cloud SQL', () => {
  const instance = (ipConfiguration: Record<string, unknown> | undefined): FakeResource => ({
    type: 'gcp:sql/databaseInstance:DatabaseInstance',
    props: { settings: { tier: 'db-f1-micro', ...(ipConfiguration ? { ipConfiguration } : {}) } },
  });

  it('cloud-sql-no-open-network: passes no or narrow networks, fails 0.0.0.0/0 and ::/0', async () => {
    expect(
      await check(cloudSqlNoOpenNetwork, [
        instance({ authorizedNetworks: [] }),
        instance({ authorizedNetworks: [{ value: '203.0.113.7/32' }] }),
      ]),
    ).to.deep.equal([]);
    const violations = await check(cloudSqlNoOpenNetwork, [
      instance({ authorizedNetworks: [{ name: 'all', value: '0.0.0.0/0' }, { value: '::/0' }] }),
    ]);
    expect(violations).to.have.length(2);
  });

  it('cloud-sql-require-ssl: passes ENCRYPTED_ONLY and client certificates, fails unset or unencrypted', async () => {
    expect(
      await check(cloudSqlRequireSsl, [
        instance({ sslMode: 'ENCRYPTED_ONLY' }),
        instance({ sslMode: 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED' }),
      ]),
    ).to.deep.equal([]);
    const violations = await check(cloudSqlRequireSsl, [
      instance(undefined),
      instance({ sslMode: 'ALLOW_UNENCRYPTED_AND_ENCRYPTED' }),
    ]);
    expect(violations).to.deep.equal([
      'sslMode is not set (unencrypted allowed); require ENCRYPTED_ONLY',
      "sslMode is 'ALLOW_UNENCRYPTED_AND_ENCRYPTED'; require ENCRYPTED_ONLY",
    ]);
  });

  it('leave other resource types alone', async () => {
    const other: FakeResource = { type: 'gcp:sql/user:User', props: {} };
    expect(await check(cloudSqlRequireSsl, [other])).to.deep.equal([]);
    expect(await check(cloudSqlNoOpenNetwork, [other])).to.deep.equal([]);
  });
});

describe('policy cloud-run-image-by-digest', () => {
  it('passes images by digest', async () => {
    expect(await check(cloudRunImageByDigest, [runService()])).to.deep.equal([]);
  });

  it('fails tags, latest and short digests', async () => {
    for (const image of [
      'europe-west1-docker.pkg.dev/p/r/camunda:latest',
      'camunda',
      `camunda@sha256:${'a'.repeat(10)}`,
    ]) {
      expect(await check(cloudRunImageByDigest, [runService({ image })]), image).to.have.length(1);
    }
  });

  it('checks v2 jobs and v1 services too', async () => {
    const job: FakeResource = {
      type: 'gcp:cloudrunv2/job:Job',
      props: { template: { template: { containers: [{ image: 'x:1' }] } } },
    };
    const v1: FakeResource = {
      type: 'gcp:cloudrun/service:Service',
      props: { template: { spec: { containers: [{ image: 'x:1' }] } } },
    };
    expect(await check(cloudRunImageByDigest, [job, v1])).to.have.length(2);
  });
});
