// CamundaServerless under Pulumi mocks: the resource graph, every property the design relies on,
// the options, and the argument checks, in update and in preview mode.

import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import fc from 'fast-check';
import type { CamundaServerlessArgs } from '../../components/camunda-serverless';
import { expect } from 'chai';
import {
  FAKE_ACCESS_TOKEN,
  FAKE_DIGEST,
  FAKE_PASSWORD,
  PROJECT,
  type Props,
  REGION,
  type ProgramRun,
  type RecordedResource,
  runProgram,
  stackConfig,
  valueOf,
} from './support/mocks';

const COMPONENT = 'camunda-serverless:index:CamundaServerless';
const SERVICE = 'gcp:cloudrunv2/service:Service';
const READY_IMAGE = `europe-west1-docker.pkg.dev/${PROJECT}/images/camunda-engine@${FAKE_DIGEST}`;

type Components = typeof import('../../components');

interface Deployed extends ProgramRun {
  readonly component: Record<string, unknown>;
}

/** Declares one CamundaServerless and returns the run and its resolved public outputs. */
async function deploy(args: CamundaServerlessArgs = {}, options: { preview?: boolean } = {}): Promise<Deployed> {
  let outputs: Record<string, pulumi.Output<unknown>> = {};
  const run = await runProgram(
    async () => {
      const { CamundaServerless } = require('../../components') as Components;
      const engine = new CamundaServerless('camunda', {
        project: PROJECT,
        region: REGION,
        namePrefix: 'camunda-dev',
        ...args,
      });
      outputs = {
        url: engine.url,
        messageUrl: engine.messageUrl,
        serviceAccountEmail: engine.serviceAccountEmail,
        databaseConnectionName: engine.databaseConnectionName,
        imageDigest: engine.imageDigest,
        serviceName: engine.serviceName,
        databasePasswordSecret: engine.databasePasswordSecret,
      };
      return {};
    },
    { config: stackConfig(), ...(options.preview !== undefined ? { preview: options.preview } : {}) },
  );
  const component: Record<string, unknown> = {};
  for (const [key, output] of Object.entries(outputs)) component[key] = await valueOf(output);
  return { ...run, component };
}

/** The error a declaration fails with (the test fails if it does not fail). */
async function failure(args: CamundaServerlessArgs): Promise<string> {
  try {
    await deploy(args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the declaration to fail');
}

const service = (run: ProgramRun): RecordedResource => {
  const [found] = run.mocks.ofType(SERVICE);
  if (!found) throw new Error('no Cloud Run service');
  return found;
};
const container = (run: ProgramRun): Props => service(run).inputs.template.containers[0];
const env = (run: ProgramRun, name: string): Props | undefined =>
  (container(run).envs as Props[]).find((e) => e.name === name);
const typeCounts = (run: ProgramRun): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of run.mocks.resources.filter((r) => r.custom)) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
};

describe('CamundaServerless: resource graph', function () {
  let run: Deployed;
  before(async () => {
    run = await deploy();
  });

  it('declares exactly the resources of a private, built, scale-to-zero engine', () => {
    expect(typeCounts(run)).to.deep.equal({
      'gcp:projects/service:Service': 7,
      'gcp:serviceaccount/account:Account': 2,
      'gcp:projects/iAMMember:IAMMember': 1,
      'gcp:sql/databaseInstance:DatabaseInstance': 1,
      'gcp:sql/database:Database': 1,
      'gcp:sql/user:User': 1,
      'random:index/randomPassword:RandomPassword': 1,
      'gcp:secretmanager/secret:Secret': 1,
      'gcp:secretmanager/secretVersion:SecretVersion': 1,
      'gcp:secretmanager/secretIamMember:SecretIamMember': 1,
      'gcp:artifactregistry/repository:Repository': 1,
      'docker:index/image:Image': 1,
      [SERVICE]: 1,
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember': 1,
      'gcp:cloudscheduler/job:Job': 1,
    });
  });

  it('parents every resource to the component and derives every name from it', () => {
    const children = run.urns.filter((urn) => !urn.endsWith('::camunda') && !urn.includes('pulumi:pulumi:Stack::'));
    expect(children.length).to.equal(run.mocks.resources.filter((r) => r.custom).length);
    for (const urn of children) {
      expect(urn.split('::')[2], urn).to.match(new RegExp(`^${COMPONENT}\\$`));
      expect(urn.split('::')[3], urn).to.match(/^camunda-/);
    }
  });

  it('names children deterministically', async () => {
    const again = await deploy();
    expect(again.mocks.resources.map((r) => `${r.type}::${r.name}`).sort()).to.deep.equal(
      run.mocks.resources.map((r) => `${r.type}::${r.name}`).sort(),
    );
  });

  it('enables the APIs it uses and leaves them enabled on destroy', () => {
    const apis = run.mocks.ofType('gcp:projects/service:Service');
    expect(apis.map((a) => a.inputs.service).sort()).to.deep.equal(
      ['artifactregistry', 'cloudresourcemanager', 'cloudscheduler', 'iam', 'run', 'secretmanager', 'sqladmin'].map(
        (a) => `${a}.googleapis.com`,
      ),
    );
    for (const api of apis) expect(api.inputs.disableOnDestroy).to.equal(false);
  });

  it('registers the outputs url, messageUrl, serviceAccountEmail, databaseConnectionName and imageDigest', () => {
    const url = 'https://camunda-dev-engine-abcdefghij-ew.a.run.app';
    expect(run.component).to.deep.include({
      url,
      messageUrl: `${url}/engine-rest/message`,
      serviceAccountEmail: `camunda-dev-engine@${PROJECT}.iam.gserviceaccount.com`,
      databaseConnectionName: `${PROJECT}:${REGION}:camunda-db-a1b2c3d`,
      imageDigest: `${REGION}-docker.pkg.dev/${PROJECT}/camunda-dev-images/camunda-engine@${FAKE_DIGEST}`,
    });
    const registered = run.mocks.resources.find((r) => r.type === COMPONENT);
    expect(registered?.custom).to.equal(false);
  });
});

describe('CamundaServerless: the Cloud Run service', () => {
  let run: Deployed;
  before(async () => {
    run = await deploy();
  });

  it('runs the image by digest, not by tag', () => {
    expect(container(run).image).to.match(/@sha256:[0-9a-f]{64}$/);
    expect(container(run).image).to.equal(run.component.imageDigest);
  });

  it('keeps the CPU allocated outside requests (cpuIdle false, explicitly) with a startup boost', () => {
    expect(container(run).resources).to.deep.equal({
      cpuIdle: false,
      startupCpuBoost: true,
      limits: { cpu: '1', memory: '1Gi' },
    });
  });

  it('waits for the readiness endpoint before serving', () => {
    expect(container(run).startupProbe.httpGet).to.deep.equal({ path: '/ready', port: 8080 });
    const probe = container(run).startupProbe;
    expect(probe.periodSeconds * probe.failureThreshold).to.be.at.most(240);
  });

  it('scales from zero to two instances by default, gen2, 300 s timeout, 80 concurrent requests', () => {
    const template = service(run).inputs.template;
    expect(template.scaling).to.deep.equal({ minInstanceCount: 0, maxInstanceCount: 2 });
    expect(template).to.deep.include({
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      timeout: '300s',
      maxInstanceRequestConcurrency: 80,
    });
  });

  it('names the instance for the socket factory, with no /cloudsql mount (the engine does not use it)', () => {
    const template = service(run).inputs.template;
    expect(template.volumes ?? []).to.deep.equal([]);
    expect(container(run).volumeMounts ?? []).to.deep.equal([]);
    expect(env(run, 'CLOUD_SQL_INSTANCE')?.value).to.equal(run.component.databaseConnectionName);
    expect(env(run, 'DB_TYPE')?.value).to.equal('postgres');
    expect(env(run, 'DB_NAME')?.value).to.equal('camunda');
    expect(env(run, 'DB_USER')?.value).to.equal('camunda');
    expect(env(run, 'DB_IAM_AUTH')?.value).to.equal('false');
    expect(env(run, 'DB_POOL_SIZE')?.value).to.equal('5');
  });

  it('hands the database password over as a Secret Manager reference, never as a value', () => {
    const password = env(run, 'DB_PASSWORD');
    expect(password).to.deep.equal({
      name: 'DB_PASSWORD',
      valueSource: { secretKeyRef: { secret: 'camunda-dev-db-password', version: '1' } },
    });
    const plain = JSON.stringify(service(run).inputs);
    expect(plain).to.not.include(FAKE_PASSWORD);
  });

  it("sets REST auth and publish retry defaults, and leaves the JVM options to the image's defaults", async () => {
    expect(env(run, 'JAVA_TOOL_OPTIONS')).to.equal(undefined);
    const tuned = await deploy({ javaToolOptions: '-XX:MaxRAMPercentage=70' });
    expect(env(tuned, 'JAVA_TOOL_OPTIONS')?.value).to.equal('-XX:MaxRAMPercentage=70');
    expect(env(run, 'REST_AUTH')?.value).to.equal('none');
    expect(env(run, 'PUBLISH_RETRY_TIME_CYCLE')?.value).to.equal('R999999/PT30S');
    expect(env(run, 'ADMIN_PASSWORD')).to.equal(undefined);
  });

  it('runs as its own service account, private (no allUsers), removable by destroy by default', () => {
    const inputs = service(run).inputs;
    expect(inputs.template.serviceAccount).to.equal(run.component.serviceAccountEmail);
    expect(inputs).to.deep.include({
      name: 'camunda-dev-engine',
      location: REGION,
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: false,
      invokerIamDisabled: false,
    });
    expect(inputs.labels).to.not.have.property('public-invoker');
    const members = run.mocks.resources.map((r) => r.inputs.member).filter((m) => typeof m === 'string');
    expect(members).to.not.include('allUsers');
    expect(members).to.not.include('allAuthenticatedUsers');
  });
});

describe('CamundaServerless: database, secret and identity', () => {
  let run: Deployed;
  before(async () => {
    run = await deploy();
  });

  it('creates Cloud SQL PostgreSQL 16, edition ENTERPRISE on db-f1-micro, TLS only, no open networks', () => {
    const [instance] = run.mocks.ofType('gcp:sql/databaseInstance:DatabaseInstance');
    expect(instance?.inputs).to.deep.include({
      databaseVersion: 'POSTGRES_16',
      region: REGION,
      deletionProtection: false,
    });
    const settings = instance?.inputs.settings;
    expect(settings).to.deep.include({
      tier: 'db-f1-micro',
      edition: 'ENTERPRISE',
      deletionProtectionEnabled: false,
      connectorEnforcement: 'REQUIRED',
    });
    expect(settings.ipConfiguration).to.deep.equal({
      ipv4Enabled: true,
      sslMode: 'ENCRYPTED_ONLY',
      authorizedNetworks: [],
    });
    expect(settings.backupConfiguration).to.deep.equal({ enabled: true, pointInTimeRecoveryEnabled: true });
  });

  it('generates the password, sets it on the user and keeps it in Secret Manager', () => {
    const [password] = run.mocks.ofType('random:index/randomPassword:RandomPassword');
    expect(password?.inputs).to.deep.include({ length: 32, special: false });
    const [user] = run.mocks.ofType('gcp:sql/user:User');
    expect(user?.inputs).to.deep.include({ name: 'camunda', password: FAKE_PASSWORD, deletionPolicy: 'ABANDON' });
    // Secret in the state: Pulumi encrypts it.
    expect(user?.secretPaths).to.include('password');
    const [secret] = run.mocks.ofType('gcp:secretmanager/secret:Secret');
    expect(secret?.inputs).to.deep.include({ secretId: 'camunda-dev-db-password', replication: { auto: {} } });
    const [version] = run.mocks.ofType('gcp:secretmanager/secretVersion:SecretVersion');
    expect(version?.inputs).to.deep.include({
      secret: `projects/${PROJECT}/secrets/camunda-dev-db-password`,
      secretData: FAKE_PASSWORD,
    });
    expect(version?.secretPaths).to.include('secretData');
    expect(run.component.databasePasswordSecret).to.equal(`projects/${PROJECT}/secrets/camunda-dev-db-password`);
  });

  it('grants the engine account cloudsql.client, its own secret, and nothing else', () => {
    const member = `serviceAccount:${run.component.serviceAccountEmail}`;
    const grants = run.mocks.resources
      .filter((r) => r.inputs.member === member)
      .map((r) => `${r.type} ${r.inputs.role}`);
    expect(grants.sort()).to.deep.equal([
      'gcp:projects/iAMMember:IAMMember roles/cloudsql.client',
      'gcp:secretmanager/secretIamMember:SecretIamMember roles/secretmanager.secretAccessor',
    ]);
    const [access] = run.mocks.ofType('gcp:secretmanager/secretIamMember:SecretIamMember');
    expect(access?.inputs.secretId).to.equal('camunda-dev-db-password');
  });

  it('grants pubsub.publisher on each topic it publishes to, and only there', async () => {
    const withTopics = await deploy({ publishTopics: ['projects/test-project/topics/orders', 'invoices'] });
    const publishers = withTopics.mocks.ofType('gcp:pubsub/topicIAMMember:TopicIAMMember');
    expect(publishers.map((p) => [p.name, p.inputs.topic, p.inputs.role])).to.deep.equal([
      ['camunda-publish-orders', 'projects/test-project/topics/orders', 'roles/pubsub.publisher'],
      ['camunda-publish-invoices', 'invoices', 'roles/pubsub.publisher'],
    ]);
  });
});

describe('CamundaServerless: the image', () => {
  it('builds docker/camunda from the repository root for linux/amd64 and pushes with the access token', async () => {
    const run = await deploy();
    const [image] = run.mocks.ofType('docker:index/image:Image');
    const root = path.resolve(__dirname, '..', '..');
    expect(image?.inputs.build).to.deep.equal({
      context: root,
      dockerfile: path.join(root, 'docker', 'camunda', 'Dockerfile'),
      platform: 'linux/amd64',
    });
    expect(image?.inputs.imageName).to.equal(
      `${REGION}-docker.pkg.dev/${PROJECT}/camunda-dev-images/camunda-engine:latest`,
    );
    expect(image?.inputs.registry).to.deep.equal({
      server: `${REGION}-docker.pkg.dev`,
      username: 'oauth2accesstoken',
      password: FAKE_ACCESS_TOKEN,
    });
    expect(image?.secretPaths.some((p) => p === 'registry' || p === 'registry.password')).to.equal(true);
    expect(image?.inputs.buildOnPreview).to.equal(false);
    const [repository] = run.mocks.ofType('gcp:artifactregistry/repository:Repository');
    expect(repository?.inputs).to.deep.include({
      format: 'DOCKER',
      location: REGION,
      repositoryId: 'camunda-dev-images',
    });
    expect(run.mocks.calls.map((c) => c.token)).to.include('gcp:organizations/getClientConfig:getClientConfig');
  });

  it('takes a ready image by digest instead, building nothing', async () => {
    const run = await deploy({ image: READY_IMAGE });
    expect(run.mocks.ofType('docker:index/image:Image')).to.have.length(0);
    expect(run.mocks.ofType('gcp:artifactregistry/repository:Repository')).to.have.length(0);
    expect(run.mocks.ofType('gcp:projects/service:Service').map((s) => s.inputs.service)).to.not.include(
      'artifactregistry.googleapis.com',
    );
    expect(container(run).image).to.equal(READY_IMAGE);
    expect(run.component.imageDigest).to.equal(READY_IMAGE);
  });

  it('refuses an image by tag, and image together with build', async () => {
    expect(await failure({ image: 'europe-west1-docker.pkg.dev/p/r/camunda:latest' })).to.match(
      /image: must reference the image by digest/,
    );
    expect(await failure({ image: READY_IMAGE, build: { platform: 'linux/amd64' } })).to.match(
      /image and build conflict/,
    );
  });
});

describe('CamundaServerless: options', () => {
  it('public: an allUsers invoker, the opt-in label, Camunda basic auth with a secret admin password', async () => {
    const run = await deploy({ public: true });
    const invokers = run.mocks.ofType('gcp:cloudrunv2/serviceIamMember:ServiceIamMember');
    const publicInvoker = invokers.find((i) => i.inputs.member === 'allUsers');
    expect(publicInvoker?.inputs).to.deep.include({
      name: 'camunda-dev-engine',
      role: 'roles/run.invoker',
      location: REGION,
    });
    expect(service(run).inputs.labels).to.include({ 'public-invoker': 'opted-in' });
    expect(env(run, 'REST_AUTH')?.value).to.equal('basic');
    expect(env(run, 'ADMIN_USER')?.value).to.equal('admin');
    expect(env(run, 'ADMIN_PASSWORD')).to.deep.equal({
      name: 'ADMIN_PASSWORD',
      valueSource: { secretKeyRef: { secret: 'camunda-dev-admin-password', version: '1' } },
    });
    const secrets = run.mocks.ofType('gcp:secretmanager/secret:Secret').map((s) => s.inputs.secretId);
    expect(secrets.sort()).to.deep.equal(['camunda-dev-admin-password', 'camunda-dev-db-password']);
    expect(run.mocks.ofType('gcp:secretmanager/secretIamMember:SecretIamMember')).to.have.length(2);
  });

  it('public without Camunda authentication is refused', async () => {
    expect(await failure({ public: true, restAuthentication: 'none' })).to.match(
      /public: true needs restAuthentication 'basic'/,
    );
  });

  it('wakeIntervalMinutes 0 switches the wake-up job off (no job, no account, no API)', async () => {
    const run = await deploy({ wakeIntervalMinutes: 0 });
    expect(run.mocks.ofType('gcp:cloudscheduler/job:Job')).to.have.length(0);
    expect(run.mocks.ofType('gcp:serviceaccount/account:Account')).to.have.length(1);
    expect(run.mocks.ofType('gcp:projects/service:Service').map((s) => s.inputs.service)).to.not.include(
      'cloudscheduler.googleapis.com',
    );
  });

  it('the wake-up job calls /ready with an OIDC token of an account that may only invoke the engine', async () => {
    const run = await deploy({ wakeIntervalMinutes: 5, schedulerRegion: 'europe-west3' });
    const [job] = run.mocks.ofType('gcp:cloudscheduler/job:Job');
    const url = run.component.url as string;
    expect(job?.inputs).to.deep.include({
      schedule: '*/5 * * * *',
      region: 'europe-west3',
      timeZone: 'Etc/UTC',
      name: 'camunda-dev-wake',
    });
    const wakeEmail = `camunda-dev-wake@${PROJECT}.iam.gserviceaccount.com`;
    expect(job?.inputs.httpTarget).to.deep.equal({
      uri: `${url}/ready`,
      httpMethod: 'GET',
      oidcToken: { serviceAccountEmail: wakeEmail, audience: url },
    });
    const grants = run.mocks.resources.filter((r) => r.inputs.member === `serviceAccount:${wakeEmail}`);
    expect(grants.map((g) => [g.type, g.inputs.role, g.inputs.name])).to.deep.equal([
      ['gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'roles/run.invoker', 'camunda-dev-engine'],
    ]);
  });

  it('deletion protection, sizing, ingress and database settings are passed through', async () => {
    const run = await deploy({
      deletionProtection: true,
      minInstances: 1,
      maxInstances: 4,
      cpu: '2',
      memory: '4Gi',
      concurrency: 20,
      requestTimeoutSeconds: 600,
      ingress: 'internal',
      database: {
        version: 'POSTGRES_15',
        tier: 'db-custom-1-3840',
        backups: false,
        poolSize: 8,
        availabilityType: 'REGIONAL',
      },
    });
    const inputs = service(run).inputs;
    expect(inputs).to.deep.include({ deletionProtection: true, ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' });
    expect(inputs.template.scaling).to.deep.equal({ minInstanceCount: 1, maxInstanceCount: 4 });
    expect(inputs.template).to.deep.include({ timeout: '600s', maxInstanceRequestConcurrency: 20 });
    expect(container(run).resources.limits).to.deep.equal({ cpu: '2', memory: '4Gi' });
    expect(env(run, 'DB_POOL_SIZE')?.value).to.equal('8');
    const [instance] = run.mocks.ofType('gcp:sql/databaseInstance:DatabaseInstance');
    expect(instance?.inputs).to.deep.include({ databaseVersion: 'POSTGRES_15', deletionProtection: true });
    expect(instance?.inputs.settings).to.deep.include({
      tier: 'db-custom-1-3840',
      availabilityType: 'REGIONAL',
      deletionProtectionEnabled: true,
    });
    expect(instance?.inputs.settings.backupConfiguration).to.deep.equal({
      enabled: false,
      pointInTimeRecoveryEnabled: false,
    });
  });

  it('engine settings become environment variables', async () => {
    const run = await deploy({
      engine: {
        jobRetryTimeCycle: 'R5/PT1M',
        historyLevel: 'audit',
        historyTimeToLive: 'P7D',
        historyCleanupWindow: '00:00-06:00',
        jobLockTimeMs: 60000,
        jobMaxWaitMs: 5000,
        publishRetryTimeCycle: 'R/PT10S',
        republishAfter: 'PT2M',
      },
      environment: { JOB_CORE_POOL_SIZE: '4' },
    });
    const values = Object.fromEntries(
      (container(run).envs as { name: string; value?: string }[]).map((e) => [e.name, e.value]),
    );
    expect(values).to.deep.include({
      JOB_RETRY_TIME_CYCLE: 'R5/PT1M',
      HISTORY_LEVEL: 'audit',
      HISTORY_TIME_TO_LIVE: 'P7D',
      HISTORY_CLEANUP_WINDOW: '00:00-06:00',
      JOB_LOCK_TIME_MS: '60000',
      JOB_MAX_WAIT_MS: '5000',
      PUBLISH_RETRY_TIME_CYCLE: 'R/PT10S',
      REPUBLISH_AFTER: 'PT2M',
      JOB_CORE_POOL_SIZE: '4',
    });
  });

  it('accepts arguments that are Outputs and checks them once they resolve', async () => {
    const run = await deploy({ minInstances: pulumi.output(1), maxInstances: pulumi.output(3) });
    expect(service(run).inputs.template.scaling).to.deep.equal({ minInstanceCount: 1, maxInstanceCount: 3 });
    expect(await failure({ minInstances: pulumi.output(5) })).to.match(
      /minInstances: \(5\) must not exceed maxInstances \(2\)/,
    );
  });
});

describe('CamundaServerless: argument checks fail the preview with a clear message', () => {
  const cases: [string, CamundaServerlessArgs, RegExp][] = [
    [
      'min above max',
      { minInstances: 3, maxInstances: 2 },
      /minInstances: \(3\) must not exceed maxInstances \(2\): lower minInstances or raise maxInstances/,
    ],
    ['a region that is no region', { region: 'Europe West' }, /region: must be a GCP region such as europe-west1/],
    [
      'a retry cycle that does not parse',
      { engine: { publishRetryTimeCycle: 'every 30s' } },
      /publishRetryTimeCycle: must be a retry cycle such as R999999\/PT30S/,
    ],
    [
      'a re-publish delay below a second',
      { engine: { republishAfter: 'PT0.5S' } },
      /republishAfter: must be a duration of at least one second such as PT5M/,
    ],
    [
      'a re-publish delay in months',
      { engine: { republishAfter: 'P1M' } },
      /republishAfter: must be a duration of at least one second/,
    ],
    ['a fractional CPU', { cpu: '0.5' }, /cpu: must be one of 1, 2, 4, 6, 8/],
    [
      'an unknown history level',
      { engine: { historyLevel: 'verbose' } },
      /historyLevel: must be one of none, activity, audit, full/,
    ],
    [
      'a history time to live the engine cannot read',
      { engine: { historyTimeToLive: 'P1M' } },
      /historyTimeToLive: must be a duration in days, hours, minutes, seconds/,
    ],
    [
      'a wake interval cron cannot express',
      { wakeIntervalMinutes: 90 },
      /wakeIntervalMinutes 90 minutes cannot be written as a cron schedule/,
    ],
    ['a bad name prefix', { namePrefix: 'Camunda_Dev' }, /namePrefix 'Camunda_Dev' must be 1 to 20 lowercase letters/],
    [
      'a secret in the plain environment',
      { environment: { API_TOKEN: 'x' } },
      /environment.API_TOKEN looks like a secret/,
    ],
    [
      'overriding what the component sets',
      { environment: { DB_PASSWORD: 'x' } },
      /environment.DB_PASSWORD is set by the component/,
    ],
    [
      'an unknown ingress',
      { ingress: 'everyone' as never },
      /ingress must be one of all, internal, internal-and-load-balancer/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, async () => {
      expect(await failure(args)).to.match(message);
    });
  }

  it('says where the project comes from when there is none', async () => {
    const saved = ['GOOGLE_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT'].map(
      (k) => [k, process.env[k]] as const,
    );
    for (const [k] of saved) delete process.env[k];
    try {
      const message = await runProgram(
        () => {
          const { CamundaServerless } = require('../../components') as Components;
          new CamundaServerless('camunda', { region: REGION });
        },
        { config: {} },
      ).then(
        () => 'no error',
        (e: unknown) => (e as Error).message,
      );
      expect(message).to.match(/no project: set gcp:project or pass project/);
    } finally {
      for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
    }
  });

  it('any min/max pair: passes through when min ≤ max, refused otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 20 }), async (min, max) => {
        if (min <= max) {
          const run = await deploy({ minInstances: min, maxInstances: max, wakeIntervalMinutes: 0 });
          expect(service(run).inputs.template.scaling).to.deep.equal({ minInstanceCount: min, maxInstanceCount: max });
        } else {
          expect(await failure({ minInstances: min, maxInstances: max })).to.include(
            `(${min}) must not exceed maxInstances (${max})`,
          );
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe('CamundaServerless: preview', () => {
  let preview: Deployed;
  let update: Deployed;
  before(async () => {
    preview = await deploy({}, { preview: true });
    update = await deploy();
  });

  it('declares the same resources as an update, with provider outputs still unknown', () => {
    expect(typeCounts(preview)).to.deep.equal(typeCounts(update));
    expect(container(preview).image).to.deep.equal({ __pulumiUnknown: true });
    expect(preview.component.url).to.equal(undefined);
  });

  it('already shows the properties that matter: always-on CPU, the probe, private ingress, the secret reference', () => {
    expect(container(preview).resources).to.deep.include({ cpuIdle: false, startupCpuBoost: true });
    expect(container(preview).startupProbe.httpGet.path).to.equal('/ready');
    expect(env(preview, 'DB_PASSWORD')?.valueSource.secretKeyRef.secret).to.equal('camunda-dev-db-password');
    expect(preview.mocks.resources.map((r) => r.inputs.member)).to.not.include('allUsers');
  });
});
