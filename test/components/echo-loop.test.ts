// EchoLoop under Pulumi mocks: topics and dead-lettering, the function and its push path, the
// identities and their only permissions, the monitoring, and the loop starter resource.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { EngineEndpoint } from '../../components/camunda-serverless';
import type { EchoLoopArgs } from '../../components/echo-loop';
import { defaultEchoFunctionSource } from '../../components/paths';
import { functionSource } from '../../components/source-archive';
import { expect } from 'chai';
import {
  ENGINE_SA,
  ENGINE_URL,
  failureOf,
  grantsTo,
  one,
  PROJECT,
  type Props,
  PUBSUB_AGENT,
  REGION,
  type ProgramRun,
  runProgram,
  stackConfig,
  TEST_ENGINE,
  valueOf,
} from './support/mocks';

const COMPONENT = 'camunda-serverless:index:EchoLoop';
const WORKER = 'camunda-serverless:index:PushWorker';
const FUNCTION_URL = 'https://camunda-dev-echo-klmnopqrst-ew.a.run.app';
const STARTER = 'pulumi-nodejs:dynamic/camunda:LoopStarter';

const engine: EngineEndpoint = TEST_ENGINE;

type Components = typeof import('../../components');

async function deploy(
  args: Partial<EchoLoopArgs> = {},
  options: { preview?: boolean } = {},
): Promise<ProgramRun & { outputs: Record<string, unknown> }> {
  return runProgram(
    () => {
      const { EchoLoop } = require('../../components') as Components;
      const loop = new EchoLoop('echo', { engine, namePrefix: 'camunda-dev-echo', ...args });
      return {
        dashboardUrl: loop.dashboardUrl,
        functionUrl: loop.functionUrl,
        topicId: loop.topicId,
        ...(loop.processInstanceId ? { processInstanceId: loop.processInstanceId } : {}),
      };
    },
    { config: stackConfig(), ...(options.preview !== undefined ? { preview: options.preview } : {}) },
  );
}

const failure = (args: Partial<EchoLoopArgs>): Promise<string> => failureOf(() => deploy(args));
const typeCounts = (run: ProgramRun): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of run.mocks.resources.filter((r) => r.custom)) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
};
describe('EchoLoop: resource graph', () => {
  let run: ProgramRun;
  before(async () => {
    run = await deploy();
  });

  it('declares topics, function, push path, identities, monitoring and the loop starter', () => {
    expect(typeCounts(run)).to.deep.equal({
      'gcp:projects/service:Service': 10,
      'gcp:projects/serviceIdentity:ServiceIdentity': 1,
      'gcp:pubsub/topic:Topic': 2,
      'gcp:pubsub/topicIAMMember:TopicIAMMember': 2,
      'gcp:pubsub/subscription:Subscription': 2,
      'gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember': 1,
      'gcp:serviceaccount/account:Account': 3,
      'gcp:serviceaccount/iAMMember:IAMMember': 1,
      'gcp:projects/iAMMember:IAMMember': 1,
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember': 2,
      'gcp:storage/bucket:Bucket': 1,
      'gcp:storage/bucketObject:BucketObject': 1,
      'gcp:cloudfunctionsv2/function:Function': 1,
      'gcp:logging/metric:Metric': 2,
      'gcp:monitoring/dashboard:Dashboard': 1,
      'gcp:monitoring/alertPolicy:AlertPolicy': 1,
      'pulumi-nodejs:dynamic/camunda:MetricDescriptorWait': 1,
      'pulumi-nodejs:dynamic/camunda:PropagationDelay': 1,
      [STARTER]: 1,
    });
  });

  it('parents every resource to the component (the data path through its push worker) and derives every name from it', () => {
    const children = run.urns.filter((urn) => !urn.endsWith('::echo') && !urn.includes('pulumi:pulumi:Stack::'));
    expect(children.length).to.equal(run.mocks.resources.filter((r) => r.custom).length);
    for (const urn of children) {
      // A URN's type names the parent's type: the loop's, or the worker's (itself the loop's child).
      expect(urn.split('::')[2], urn).to.match(new RegExp(`^(?:${COMPONENT}|${WORKER})\\$[^$]+$`));
      expect(urn.split('::')[3], urn).to.match(/^echo-/);
    }
    // What the loop itself declares: the starter; its worker (`echo` too) the rest.
    const own = children.filter((urn) => urn.includes(`::${COMPONENT}$`)).map((urn) => urn.split('::')[2]);
    expect(own).to.deep.equal([`${COMPONENT}$${STARTER}`]);
    expect(run.urns.filter((urn) => urn.endsWith(`${COMPONENT}$${WORKER}::echo`))).to.have.length(1);
  });

  it("keeps each moved resource's former address as an alias, so an existing stack moves it instead of replacing it", () => {
    const loopUrn = run.urns.find((urn) => urn.endsWith(`$${COMPONENT}::echo`));
    const moved = run.urns.filter((urn) => urn.includes(`${WORKER}$`)).map((urn) => urn.split('::')[3] ?? urn);
    expect(moved.length).to.be.greaterThan(20);
    // (The provider adds type aliases of its own to some, such as service accounts.)
    for (const name of moved) expect(run.mocks.aliasParents.get(name), name).to.include(loopUrn);
    expect(run.mocks.aliasParents.get('echo-loop')).to.deep.equal([]);
  });

  it('enables the APIs the function, Pub/Sub and monitoring need, and leaves them on destroy', () => {
    const apis = run.mocks.ofType('gcp:projects/service:Service');
    expect(apis.map((a) => a.inputs.service.replace('.googleapis.com', '')).sort()).to.deep.equal([
      'artifactregistry',
      'cloudbuild',
      'cloudfunctions',
      'cloudresourcemanager',
      'iam',
      'logging',
      'monitoring',
      'pubsub',
      'run',
      'storage',
    ]);
    for (const api of apis) expect(api.inputs.disableOnDestroy).to.equal(false);
  });

  it('creates the Pub/Sub service agent with ServiceIdentity, after the APIs, and looks nothing up', () => {
    const agent = one(run, 'gcp:projects/serviceIdentity:ServiceIdentity');
    expect(agent.inputs).to.deep.include({ project: PROJECT, service: 'pubsub.googleapis.com' });
    expect(run.mocks.dependenciesOf('echo-pubsub-agent')).to.include.members(['echo-api-pubsub', 'echo-api-iam']);
    // No invoke at all: a preview needs neither the project number nor the Resource Manager API.
    // (The one invoke EchoLoop may make, the deployer's e-mail for its own starter account, is for
    // an engine that checks its callers, which this one does not: see starter-default.test.ts.)
    expect(run.mocks.calls.map((c) => c.token)).to.deep.equal([]);
  });
});

describe('EchoLoop: topics and dead-lettering', () => {
  let run: ProgramRun;
  before(async () => {
    run = await deploy();
  });

  it('creates the echo topic and a dead-letter topic', () => {
    expect(
      run.mocks
        .ofType('gcp:pubsub/topic:Topic')
        .map((t) => t.inputs.name)
        .sort(),
    ).to.deep.equal(['camunda-dev-echo', 'camunda-dev-echo-dead-letter']);
    expect(run.outputs.topicId).to.equal(`projects/${PROJECT}/topics/camunda-dev-echo`);
  });

  it('lets the Pub/Sub service agent publish to the dead-letter topic and acknowledge on the push subscription', () => {
    expect(grantsTo(run, PUBSUB_AGENT)).to.deep.equal([
      'gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember roles/pubsub.subscriber',
      'gcp:pubsub/topicIAMMember:TopicIAMMember roles/pubsub.publisher',
      'gcp:serviceaccount/iAMMember:IAMMember roles/iam.serviceAccountTokenCreator',
    ]);
    expect(one(run, 'gcp:pubsub/topicIAMMember:TopicIAMMember', 'echo-dead-letter-publisher').inputs.topic).to.equal(
      'camunda-dev-echo-dead-letter',
    );
    expect(one(run, 'gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember').inputs.subscription).to.equal(
      'camunda-dev-echo-push',
    );
  });

  it('keeps dead letters for replay: retained 7 days, acked ones too, never expiring', () => {
    const hold = one(run, 'gcp:pubsub/subscription:Subscription', 'echo-dead-letter-hold');
    expect(hold.inputs).to.deep.include({
      topic: `projects/${PROJECT}/topics/camunda-dev-echo-dead-letter`,
      messageRetentionDuration: '604800s',
      retainAckedMessages: true,
      expirationPolicy: { ttl: '' },
    });
    expect(hold.inputs.pushConfig).to.equal(undefined);
  });

  it('lets the engine publish to the echo topic, and to nothing else', () => {
    expect(grantsTo(run, `serviceAccount:${ENGINE_SA}`)).to.deep.equal([
      'gcp:pubsub/topicIAMMember:TopicIAMMember roles/pubsub.publisher',
    ]);
    expect(one(run, 'gcp:pubsub/topicIAMMember:TopicIAMMember', 'echo-engine-publisher').inputs.topic).to.equal(
      'camunda-dev-echo',
    );
  });
});

describe('EchoLoop: the function and its push path', () => {
  let run: ProgramRun;
  before(async () => {
    run = await deploy();
  });

  it('deploys echo-function/ as a Node.js 22 function with entry point echo', () => {
    const fn = one(run, 'gcp:cloudfunctionsv2/function:Function');
    expect(fn.inputs).to.deep.include({ name: 'camunda-dev-echo', location: REGION });
    expect(fn.inputs.buildConfig).to.deep.include({ runtime: 'nodejs22', entryPoint: 'echo' });
    // No Eventarc trigger: its subscription cannot dead-letter; our push subscription delivers.
    expect(fn.inputs.eventTrigger).to.equal(undefined);
  });

  it('uploads the source under a name that follows its content, so a change redeploys', () => {
    const object = one(run, 'gcp:storage/bucketObject:BucketObject');
    const expected = functionSource(defaultEchoFunctionSource(), 'camunda-dev-echo-source').objectName;
    expect(object.inputs.name).to.equal(expected);
    const fn = one(run, 'gcp:cloudfunctionsv2/function:Function');
    expect(fn.inputs.buildConfig.source.storageSource).to.deep.equal({
      bucket: object.inputs.bucket,
      object: expected,
    });
    const bucket = one(run, 'gcp:storage/bucket:Bucket');
    expect(bucket.inputs).to.deep.include({
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      location: 'EUROPE-WEST1',
    });
  });

  it('a changed source is a new object and a new function source', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-src-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"echo","main":"dist/index.js"}');
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export const version = 1;');
      const first = one(await deploy({ functionSourceDir: dir }), 'gcp:cloudfunctionsv2/function:Function').inputs
        .buildConfig.source.storageSource.object;
      const same = one(await deploy({ functionSourceDir: dir }), 'gcp:cloudfunctionsv2/function:Function').inputs
        .buildConfig.source.storageSource.object;
      fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export const version = 2;');
      const changed = one(await deploy({ functionSourceDir: dir }), 'gcp:cloudfunctionsv2/function:Function').inputs
        .buildConfig.source.storageSource.object;
      expect(same).to.equal(first);
      expect(changed).to.not.equal(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('configures the function for the engine: URL, ID-token auth, known message names, timeouts, attempts', () => {
    const fn = one(run, 'gcp:cloudfunctionsv2/function:Function');
    expect(fn.inputs.serviceConfig.environmentVariables).to.deep.equal({
      ENGINE_URL,
      ENGINE_AUTH: 'id-token',
      ENGINE_TIMEOUT_MS: '10000',
      MAX_DELIVERY_ATTEMPTS: '10',
    });
    expect(fn.inputs.buildConfig.entryPoint).to.equal('echo');
    expect(fn.inputs.serviceConfig).to.deep.include({
      serviceAccountEmail: `camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com`,
      timeoutSeconds: 60,
      availableMemory: '256M',
      maxInstanceCount: 10,
      minInstanceCount: 0,
      ingressSettings: 'ALLOW_ALL',
      secretEnvironmentVariables: [],
    });
    expect(fn.inputs.buildConfig.serviceAccount).to.equal(
      `projects/${PROJECT}/serviceAccounts/camunda-dev-echo-build@${PROJECT}.iam.gserviceaccount.com`,
    );
  });

  it('gives the function account run.invoker on the engine service only', () => {
    const member = `serviceAccount:camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com`;
    expect(grantsTo(run, member)).to.deep.equal(['gcp:cloudrunv2/serviceIamMember:ServiceIamMember roles/run.invoker']);
    expect(one(run, 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'echo-engine-invoker').inputs).to.deep.include({
      name: 'camunda-dev-engine',
      location: REGION,
      project: PROJECT,
    });
  });

  it('pushes to the function URL with an OIDC token of an account that may invoke only the function', () => {
    const push = one(run, 'gcp:pubsub/subscription:Subscription', 'echo-push');
    const pushEmail = `camunda-dev-echo-push@${PROJECT}.iam.gserviceaccount.com`;
    expect(push.inputs.pushConfig).to.deep.equal({
      // The Functions Framework reads the CloudEvent source from this path.
      pushEndpoint: `${FUNCTION_URL}/projects/${PROJECT}/topics/camunda-dev-echo`,
      oidcToken: { serviceAccountEmail: pushEmail, audience: FUNCTION_URL },
    });
    expect(grantsTo(run, `serviceAccount:${pushEmail}`)).to.deep.equal([
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember roles/run.invoker',
    ]);
    expect(one(run, 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'echo-push-invoker').inputs.name).to.equal(
      'camunda-dev-echo',
    );
    expect(run.outputs.functionUrl).to.equal(FUNCTION_URL);
  });

  it('retries with 10 s to 600 s backoff, dead-letters after 10 attempts, never expires, acks after the function timeout', () => {
    const push = one(run, 'gcp:pubsub/subscription:Subscription', 'echo-push');
    expect(push.inputs).to.deep.include({
      topic: `projects/${PROJECT}/topics/camunda-dev-echo`,
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
      deadLetterPolicy: {
        deadLetterTopic: `projects/${PROJECT}/topics/camunda-dev-echo-dead-letter`,
        maxDeliveryAttempts: 10,
      },
      expirationPolicy: { ttl: '' },
      ackDeadlineSeconds: 70,
    });
  });

  it('builds with its own account holding the Cloud Run builder role, or with one given', async () => {
    const builder = `serviceAccount:camunda-dev-echo-build@${PROJECT}.iam.gserviceaccount.com`;
    expect(grantsTo(run, builder)).to.deep.equal(['gcp:projects/iAMMember:IAMMember roles/run.builder']);
    const given = await deploy({ buildServiceAccount: 'projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com' });
    expect(given.mocks.ofType('gcp:serviceaccount/account:Account').map((a) => a.inputs.accountId)).to.not.include(
      'camunda-dev-echo-build',
    );
    expect(one(given, 'gcp:cloudfunctionsv2/function:Function').inputs.buildConfig.serviceAccount).to.equal(
      'projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com',
    );
  });
});

describe('EchoLoop: monitoring', () => {
  let run: ProgramRun;
  before(async () => {
    run = await deploy({
      alertAfterMinutes: 20,
      notificationChannels: ['projects/test-project/notificationChannels/42'],
    });
  });

  it("turns the function's log lines into a round-trip distribution and a delivery counter by outcome", () => {
    const roundTrip = one(run, 'gcp:logging/metric:Metric', 'echo-round-trip-metric');
    expect(roundTrip.inputs).to.deep.include({
      name: 'camunda-dev-echo-round-trip-ms',
      valueExtractor: 'EXTRACT(jsonPayload.roundTripMs)',
    });
    expect(roundTrip.inputs.metricDescriptor).to.deep.include({
      metricKind: 'DELTA',
      valueType: 'DISTRIBUTION',
      unit: 'ms',
    });
    expect(roundTrip.inputs.filter).to.include('resource.labels.service_name="camunda-dev-echo"');
    expect(roundTrip.inputs.filter).to.include('jsonPayload.taskType="echo"');
    expect(roundTrip.inputs.filter).to.include('jsonPayload.outcome="completed"');
    const deliveries = one(run, 'gcp:logging/metric:Metric', 'echo-deliveries-metric');
    expect(deliveries.inputs.labelExtractors).to.deep.equal({ outcome: 'EXTRACT(jsonPayload.outcome)' });
    expect(deliveries.inputs.metricDescriptor).to.deep.include({ metricKind: 'DELTA', valueType: 'INT64' });
    expect(deliveries.inputs.metricDescriptor.labels).to.deep.equal([
      {
        key: 'outcome',
        valueType: 'STRING',
        description: 'completed, error, failed, duplicate, retry, invalid, unknown-task',
      },
    ]);
    expect(deliveries.inputs.filter).to.include('jsonPayload.taskType="echo"');
    expect(deliveries.inputs.filter).to.not.include('"completed"');
  });

  it('shows round-trip latency, deliveries by outcome, iterations (completed tasks) and dead letters on a dashboard', () => {
    const dashboard = JSON.parse(one(run, 'gcp:monitoring/dashboard:Dashboard').inputs.dashboardJson) as {
      displayName: string;
      mosaicLayout: {
        tiles: {
          widget: {
            title: string;
            xyChart: { dataSets: { timeSeriesQuery: { timeSeriesFilter: Props } }[] };
          };
        }[];
      };
    };
    const tiles = dashboard.mosaicLayout.tiles.map((t) => t.widget);
    expect(tiles.map((t) => t.title)).to.deep.equal([
      'Round-trip latency (ms)',
      'Deliveries by outcome (per minute)',
      'Completed tasks (per minute)',
      'Dead-lettered messages waiting for replay',
    ]);
    const filters = tiles.map((t) => t.xyChart.dataSets.map((d) => d.timeSeriesQuery.timeSeriesFilter));
    expect(filters[0]?.map((f) => f.aggregation.crossSeriesReducer)).to.deep.equal([
      'REDUCE_PERCENTILE_50',
      'REDUCE_PERCENTILE_95',
      'REDUCE_PERCENTILE_99',
    ]);
    expect(filters[0]?.[0]?.filter).to.include('logging.googleapis.com/user/camunda-dev-echo-round-trip-ms');
    expect(filters[1]?.[0]?.aggregation.groupByFields).to.deep.equal(['metric.label.outcome']);
    expect(filters[2]?.[0]?.filter).to.include('metric.label.outcome="completed"');
    expect(filters[3]?.[0]?.filter).to.include('resource.label.subscription_id="camunda-dev-echo-dead-letter-hold"');
  });

  it('alerts when no round trip succeeded for N minutes, to the given channels', () => {
    const alert = one(run, 'gcp:monitoring/alertPolicy:AlertPolicy');
    expect(alert.inputs.notificationChannels).to.deep.equal(['projects/test-project/notificationChannels/42']);
    const [condition] = alert.inputs.conditions;
    expect(condition.conditionAbsent.duration).to.equal('1200s');
    expect(condition.conditionAbsent.filter).to.equal(
      'metric.type="logging.googleapis.com/user/camunda-dev-echo-deliveries" AND resource.type="cloud_run_revision" AND metric.label.outcome="completed"',
    );
    expect(alert.inputs.documentation.content).to.include('camunda-dev-echo-dead-letter-hold');
  });

  it('links the dashboard in the console', () => {
    expect(run.outputs.dashboardUrl).to.equal(
      `https://console.cloud.google.com/monitoring/dashboards/custom/0a1b2c3d-0000-4000-8000-000000000001?project=${PROJECT}`,
    );
  });
});

describe('EchoLoop: starting the loop', () => {
  it('declares the loop starter with the engine URL, loop name, project, topic and ID-token auth', async () => {
    const run = await deploy();
    const starter = one(run, STARTER);
    expect(starter.inputs).to.deep.include({
      engineUrl: ENGINE_URL,
      loopName: 'echo',
      project: PROJECT,
      topic: 'camunda-dev-echo',
      processDefinitionKey: 'EchoLoop',
      auth: 'id-token',
    });
    expect(starter.inputs).to.not.have.property('basicAuthPassword');
    // The provider travels serialized: a module exporting a handler.
    expect(starter.inputs.__provider)
      .to.be.a('string')
      .and.match(/exports\.handler = /);
    expect(run.outputs.processInstanceId).to.equal('loop-instance-1');
  });

  it('with a basic-auth engine, passes the credentials as secrets: env + secret reference to the function, secret to the starter', async () => {
    const run = await deploy({
      engine: {
        ...engine,
        basicAuth: {
          user: 'admin',
          passwordSecretId: 'camunda-dev-admin-password',
          passwordSecretVersion: '1',
          password: 'admin-pass-123',
        },
      },
    });
    const fn = one(run, 'gcp:cloudfunctionsv2/function:Function');
    expect(fn.inputs.serviceConfig.environmentVariables.ENGINE_BASIC_AUTH_USER).to.equal('admin');
    expect(JSON.stringify(fn.inputs)).to.not.include('admin-pass-123');
    expect(fn.inputs.serviceConfig.secretEnvironmentVariables).to.deep.equal([
      { key: 'ENGINE_BASIC_AUTH_PASSWORD', projectId: PROJECT, secret: 'camunda-dev-admin-password', version: '1' },
    ]);
    const member = `serviceAccount:camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com`;
    expect(grantsTo(run, member)).to.deep.equal([
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember roles/run.invoker',
      'gcp:secretmanager/secretIamMember:SecretIamMember roles/secretmanager.secretAccessor',
    ]);
    const starter = one(run, STARTER);
    expect(starter.inputs).to.deep.include({ basicAuthUser: 'admin', basicAuthPassword: 'admin-pass-123' });
    expect(starter.secretPaths).to.include('basicAuthPassword');
  });

  it('startLoop false declares no starter', async () => {
    const run = await deploy({ startLoop: false });
    expect(run.mocks.ofType(STARTER)).to.have.length(0);
    expect(run.outputs.processInstanceId).to.equal(undefined);
  });

  it('a restart token is part of the starter inputs (changing it replaces the loop)', async () => {
    const run = await deploy({ restartToken: '2024-06-01' });
    expect(one(run, STARTER).inputs.restartToken).to.equal('2024-06-01');
  });
});

describe('EchoLoop: argument checks', () => {
  const cases: [string, Partial<EchoLoopArgs>, RegExp][] = [
    ['too few delivery attempts', { maxDeliveryAttempts: 3 }, /maxDeliveryAttempts: must be at least 5/],
    [
      'an engine timeout longer than the function timeout',
      { engineTimeoutMs: 60_000 },
      /engineTimeoutMs: \(60000\) must be below functionTimeoutSeconds × 1000 \(60000\)/,
    ],
    [
      'a function timeout beyond the ack deadline',
      { functionTimeoutSeconds: 600 },
      /functionTimeoutSeconds: must be at most 590/,
    ],
    [
      'an alert window Monitoring rejects',
      { alertAfterMinutes: 1 },
      /alertAfterMinutes must be a whole number from 2 to 1410/,
    ],
    ['a loop name that is no business key', { loopName: 'my loop' }, /loopName 'my loop' must start with a letter/],
    [
      'min function instances above max',
      { functionMinInstances: 3, functionMaxInstances: 2 },
      /functionMinInstances: must not exceed functionMaxInstances/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, async () => {
      expect(await failure(args)).to.match(message);
    });
  }

  it('any delivery attempts and function timeout in range reach the subscription; the ack deadline covers the timeout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 100 }),
        fc.integer({ min: 11, max: 590 }),
        async (attempts, timeout) => {
          const run = await deploy({
            maxDeliveryAttempts: attempts,
            functionTimeoutSeconds: timeout,
            startLoop: false,
          });
          const push = one(run, 'gcp:pubsub/subscription:Subscription', 'echo-push');
          expect(push.inputs.deadLetterPolicy.maxDeliveryAttempts).to.equal(attempts);
          expect(push.inputs.ackDeadlineSeconds).to.be.within(timeout, 600);
          expect(one(run, 'gcp:cloudfunctionsv2/function:Function').inputs.serviceConfig.timeoutSeconds).to.equal(
            timeout,
          );
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('EchoLoop: preview', () => {
  it('declares the same resources as an update while URLs are unknown', async () => {
    const preview = await deploy({}, { preview: true });
    const update = await deploy();
    expect(typeCounts(preview)).to.deep.equal(typeCounts(update));
    const push = one(preview, 'gcp:pubsub/subscription:Subscription', 'echo-push');
    expect(push.inputs.pushConfig.pushEndpoint).to.deep.equal({ __pulumiUnknown: true });
    expect(push.inputs.deadLetterPolicy.maxDeliveryAttempts).to.equal(10);
    expect(await valueOf(preview.outputs.functionUrl)).to.equal(undefined);
  });
});
