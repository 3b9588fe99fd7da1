// resolveCamundaServerlessArgs without Pulumi: every default, what the arguments decide, and every
// rejection, all listed at once in one ConfigurationError.

import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import {
  CAMUNDA_DEFAULTS,
  type CamundaServerlessArgs,
  type ProviderConfig,
  resolveCamundaServerlessArgs,
} from '../../components/camunda-serverless';
import { engineApiNames } from '../../components/engine/apis';
import { ConfigurationError } from '../../components/validation';

const PROVIDER = { project: 'test-project', region: 'europe-west1' };
const IMAGE = `europe-west1-docker.pkg.dev/test-project/images/camunda-engine@sha256:${'ab'.repeat(32)}`;

const resolve = (args: CamundaServerlessArgs = {}, provider: ProviderConfig = PROVIDER) =>
  resolveCamundaServerlessArgs('camunda', args, provider);

/** The message resolving `args` fails with; fails the test when it does not. */
function rejection(args: CamundaServerlessArgs, provider: ProviderConfig = PROVIDER): string {
  try {
    resolve(args, provider);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigurationError);
    return (err as Error).message;
  }
  throw new Error('expected the arguments to be refused');
}

describe('resolveCamundaServerlessArgs: defaults', () => {
  it('fills every argument from the provider and CAMUNDA_DEFAULTS', () => {
    const resolved = resolve();
    expect(resolved).to.deep.include({
      name: 'camunda',
      project: 'test-project',
      region: 'europe-west1',
      schedulerRegion: 'europe-west1',
      prefix: 'camunda',
      public: false,
      restAuthentication: 'none',
      adminUser: 'admin',
      ingress: 'all',
      wakeSchedule: '*/10 * * * *',
      deletionProtection: false,
      enableApis: true,
      labels: { app: 'camunda-serverless', 'managed-by': 'pulumi' },
      image: undefined,
      build: {},
      javaToolOptions: undefined,
      environment: {},
      publishTopics: [],
      engine: {},
    });
    expect(resolved.database).to.deep.equal({
      edition: 'ENTERPRISE',
      availabilityType: 'ZONAL',
      backups: true,
      name: 'camunda',
      user: 'camunda',
    });
    expect(resolved.settings).to.deep.include({
      minInstances: CAMUNDA_DEFAULTS.minInstances,
      maxInstances: CAMUNDA_DEFAULTS.maxInstances,
      cpu: '1',
      memory: '1Gi',
      concurrency: 80,
      requestTimeoutSeconds: 300,
      databaseVersion: 'POSTGRES_16',
      databaseTier: 'db-f1-micro',
      databaseDiskSizeGb: 10,
      databasePoolSize: 5,
      publishRetryTimeCycle: 'R999999/PT30S',
      republishAfter: undefined,
      historyLevel: undefined,
    });
  });

  it('prefers the arguments over the provider configuration', () => {
    const resolved = resolve({ project: 'other-project', region: 'us-central1', schedulerRegion: 'us-east1' });
    expect(resolved).to.deep.include({ project: 'other-project', region: 'us-central1', schedulerRegion: 'us-east1' });
  });

  it('derives the name prefix from the component name', () => {
    expect(resolveCamundaServerlessArgs('Camunda Prod!', {}, PROVIDER).prefix).to.equal('camunda-prod');
    expect(resolve({ namePrefix: 'cs-dev' }).prefix).to.equal('cs-dev');
  });

  it('switches basic authentication on for a public engine', () => {
    expect(resolve({ public: true })).to.deep.include({ public: true, restAuthentication: 'basic' });
    expect(resolve({ restAuthentication: 'basic' })).to.deep.include({ public: false, restAuthentication: 'basic' });
  });

  it('turns the wake-up interval into a cron schedule, or none for 0', () => {
    expect(resolve({ wakeIntervalMinutes: 0 }).wakeSchedule).to.equal(undefined);
    expect(resolve({ wakeIntervalMinutes: 120 }).wakeSchedule).to.equal('0 */2 * * *');
  });

  it('puts the given labels after its own', () => {
    expect(resolve({ labels: { team: 'x', app: 'mine' } }).labels).to.deep.equal({
      app: 'mine',
      'managed-by': 'pulumi',
      team: 'x',
    });
  });

  it('leaves Outputs for later: they are checked once they resolve', () => {
    const resolved = resolve({ minInstances: pulumi.output(5) });
    expect(pulumi.Output.isInstance(resolved.settings.minInstances)).to.equal(true);
  });

  it('enables the APIs the engine uses, Artifact Registry only to build and Cloud Scheduler only to wake up', () => {
    expect(engineApiNames(resolve())).to.deep.equal([
      'run',
      'sqladmin',
      'secretmanager',
      'iam',
      'cloudresourcemanager',
      'artifactregistry',
      'cloudscheduler',
    ]);
    expect(engineApiNames(resolve({ image: IMAGE, wakeIntervalMinutes: 0 }))).to.deep.equal([
      'run',
      'sqladmin',
      'secretmanager',
      'iam',
      'cloudresourcemanager',
    ]);
    expect(resolve({ enableApis: false }).enableApis).to.equal(false);
  });
});

describe('resolveCamundaServerlessArgs: rejections', () => {
  const cases: [string, CamundaServerlessArgs, string][] = [
    ['a bad name prefix', { namePrefix: 'Camunda_Dev' }, "namePrefix 'Camunda_Dev' must be 1 to 20 lowercase"],
    ['image and build', { image: IMAGE, build: {} }, 'image and build conflict'],
    [
      'a public engine without authentication',
      { public: true, restAuthentication: 'none' },
      "public: true needs restAuthentication 'basic'",
    ],
    [
      'an unknown ingress',
      { ingress: 'everyone' as never },
      "ingress must be one of all, internal, internal-and-load-balancer, got 'everyone'",
    ],
    [
      'a wake interval cron cannot express',
      { wakeIntervalMinutes: 90 },
      'wakeIntervalMinutes 90 minutes cannot be written',
    ],
    ['a negative wake interval', { wakeIntervalMinutes: -1 }, 'wakeIntervalMinutes must be a whole number of minutes'],
    [
      'overriding what the component sets',
      { environment: { DB_PASSWORD: 'x' } },
      'environment.DB_PASSWORD is set by the component',
    ],
    [
      'a secret in the plain environment',
      { environment: { API_TOKEN: 'x' } },
      'environment.API_TOKEN looks like a secret',
    ],
    ['an API key without underscore', { environment: { APIKEY: 'x' } }, 'environment.APIKEY looks like a secret'],
    ['a project id that is none', { project: 'My Project' }, 'project: must be a GCP project id'],
    ['a region that is no region', { region: 'Europe West' }, 'region: must be a GCP region such as europe-west1'],
    ['a scheduler region that is no region', { schedulerRegion: 'EU' }, 'schedulerRegion: must be a GCP region'],
    ['min above max', { minInstances: 3, maxInstances: 2 }, 'minInstances: (3) must not exceed maxInstances (2)'],
    ['negative min instances', { minInstances: -1 }, 'minInstances: must be 0 or more'],
    ['zero max instances', { maxInstances: 0 }, 'maxInstances: must be at least 1'],
    ['a fractional CPU', { cpu: '0.5' }, 'cpu: must be one of 1, 2, 4, 6, 8'],
    ['a memory size without unit', { memory: '1024' }, "memory: must be a size such as '512Mi' or '1Gi'"],
    ['no concurrency', { concurrency: 0 }, 'concurrency: must be at least 1'],
    ['a request timeout over an hour', { requestTimeoutSeconds: 3601 }, 'requestTimeoutSeconds: must be at most 3600'],
    ['an image by tag', { image: 'camunda:latest' }, 'image: must reference the image by digest'],
    [
      'a database that is not PostgreSQL',
      { database: { version: 'MYSQL_8_0' } },
      'databaseVersion: must be a PostgreSQL version',
    ],
    ['an unknown tier', { database: { tier: 'small' } }, 'databaseTier: must be a Cloud SQL tier'],
    ['a disk below 10 GB', { database: { diskSizeGb: 5 } }, 'databaseDiskSizeGb: must be at least 10'],
    ['a pool above 100', { database: { poolSize: 101 } }, 'databasePoolSize: must be at most 100'],
    [
      'a retry cycle that does not parse',
      { engine: { publishRetryTimeCycle: 'every 30s' } },
      'publishRetryTimeCycle: must be a retry cycle',
    ],
    [
      'a re-publish delay below a second',
      { engine: { republishAfter: 'PT0.5S' } },
      'republishAfter: must be a duration of at least one second',
    ],
    [
      'an engine retry cycle that does not parse',
      { engine: { jobRetryTimeCycle: 'R5' } },
      'jobRetryTimeCycle: must be a retry cycle',
    ],
    [
      'an unknown history level',
      { engine: { historyLevel: 'verbose' } },
      'historyLevel: must be one of none, activity, audit, full',
    ],
    [
      'a time to live in months',
      { engine: { historyTimeToLive: 'P1M' } },
      'historyTimeToLive: must be a duration in days',
    ],
    [
      'a cleanup window that is no window',
      { engine: { historyCleanupWindow: '1-2' } },
      'historyCleanupWindow: must be a window HH:mm-HH:mm',
    ],
    ['a lock time below a second', { engine: { jobLockTimeMs: 10 } }, 'jobLockTimeMs: must be at least 1000'],
    ['a zero acquisition wait', { engine: { jobMaxWaitMs: 0 } }, 'jobMaxWaitMs: must be at least 1'],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}, naming the argument`, () => {
      const text = rejection(args);
      expect(text).to.match(/^CamundaServerless 'camunda': invalid arguments:\n {2}- /);
      expect(text).to.include(message);
    });
  }

  it('says where project and region come from when neither is given', () => {
    const text = rejection({}, { project: undefined, region: undefined });
    expect(text).to.include('  - no project: set gcp:project or pass project');
    expect(text).to.include('  - no region: set gcp:region or pass region');
  });

  it('lists every problem at once, one line each', () => {
    const text = rejection({
      namePrefix: 'X',
      public: true,
      restAuthentication: 'none',
      wakeIntervalMinutes: 90,
      environment: { APIKEY: 'x' },
      cpu: '0.5',
      memory: 'lots',
    });
    const parts = ['namePrefix', 'public: true', 'wakeIntervalMinutes', 'environment.APIKEY', 'cpu', 'memory'];
    expect(text.split('\n').slice(1)).to.have.length(parts.length);
    for (const part of parts) expect(text).to.include(part);
  });

  it('checks min against max once each passes on its own, along with the other arguments', () => {
    const text = rejection({ namePrefix: 'X', minInstances: 3, maxInstances: 2 });
    expect(text).to.include("namePrefix 'X'");
    expect(text).to.include('minInstances: (3) must not exceed maxInstances (2)');
  });
});
