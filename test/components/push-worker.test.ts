// PushWorker under Pulumi mocks: a task type's topics and dead-lettering, its function and push
// path, the identities and their only permissions, the environment of contract §4, the waits on
// eventual consistency, the monitoring filtered on the task type, and names within GCP's limits.

import { expect } from 'chai';
import type { EngineEndpoint } from '../../components/camunda-serverless';
import type { PushWorkerArgs } from '../../components/push-worker';
import { fixtureSource } from './support/archive';
import {
  ENGINE_SA,
  ENGINE_URL,
  failureOf,
  grantsTo,
  one,
  PROJECT,
  PUBSUB_AGENT,
  type ProgramRun,
  runProgram,
  stackConfig,
  TEST_ENGINE,
} from './support/mocks';

const COMPONENT = 'camunda-serverless:index:PushWorker';
const FN_SA = `camunda-dev-price-order-fn@${PROJECT}.iam.gserviceaccount.com`;
const PUSH_SA = `camunda-dev-price-order-push@${PROJECT}.iam.gserviceaccount.com`;

const engine: EngineEndpoint = TEST_ENGINE;

type Components = typeof import('../../components');

/** A function folder of its own (no worker library: the archive tests cover vendoring). */
const source = fixtureSource('price-order');

async function deploy(args: Partial<PushWorkerArgs> = {}, preview = false): Promise<ProgramRun> {
  return runProgram(
    () => {
      const { PushWorker } = require('../../components') as Components;
      const worker = new PushWorker('price', {
        engine,
        taskType: 'price-order',
        source,
        entryPoint: 'priceOrder',
        namePrefix: 'camunda-dev',
        ...args,
      });
      return { functionUrl: worker.functionUrl, topicName: worker.topicName, dashboardUrl: worker.dashboardUrl };
    },
    { config: stackConfig(), preview },
  );
}

const failure = (args: Partial<PushWorkerArgs>): Promise<string> => failureOf(() => deploy(args));
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const SUBSCRIPTION = 'gcp:pubsub/subscription:Subscription';

describe('PushWorker: resources of one task type', () => {
  let run: ProgramRun;
  before(async () => {
    run = await deploy();
  });

  it('parents every resource to the component and names it after it', () => {
    const children = run.urns.filter((urn) => !urn.endsWith('::price') && !urn.includes('pulumi:pulumi:Stack::'));
    expect(children.length).to.equal(run.mocks.resources.filter((r) => r.custom).length);
    for (const urn of children) {
      expect(urn.split('::')[2], urn).to.match(new RegExp(`^${COMPONENT}\\$`));
      expect(urn.split('::')[3], urn).to.match(/^price-/);
    }
  });

  it('names topics, subscriptions, function, accounts and metrics <prefix>-<taskType>…', () => {
    const names = (type: string, key = 'name') => run.mocks.ofType(type).map((r) => r.inputs[key] as string);
    expect(names('gcp:pubsub/topic:Topic').sort()).to.deep.equal([
      'camunda-dev-price-order',
      'camunda-dev-price-order-dead-letter',
    ]);
    expect(names(SUBSCRIPTION).sort()).to.deep.equal([
      'camunda-dev-price-order-dead-letter-hold',
      'camunda-dev-price-order-push',
    ]);
    expect(names(FUNCTION)).to.deep.equal(['camunda-dev-price-order']);
    expect(names('gcp:serviceaccount/account:Account', 'accountId').sort()).to.deep.equal([
      'camunda-dev-price-order-build',
      'camunda-dev-price-order-fn',
      'camunda-dev-price-order-push',
    ]);
    expect(names('gcp:logging/metric:Metric').sort()).to.deep.equal([
      'camunda-dev-price-order-deliveries',
      'camunda-dev-price-order-round-trip-ms',
    ]);
    expect(one(run, FUNCTION).inputs.labels).to.deep.include({ 'task-type': 'price-order' });
  });

  it('keeps dead letters for replay and lets the service agent dead-letter and ack', () => {
    expect(one(run, SUBSCRIPTION, 'price-dead-letter-hold').inputs).to.deep.include({
      topic: `projects/${PROJECT}/topics/camunda-dev-price-order-dead-letter`,
      messageRetentionDuration: '604800s',
      retainAckedMessages: true,
      expirationPolicy: { ttl: '' },
    });
    expect(grantsTo(run, PUBSUB_AGENT)).to.deep.equal([
      'gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember roles/pubsub.subscriber',
      'gcp:pubsub/topicIAMMember:TopicIAMMember roles/pubsub.publisher',
      'gcp:serviceaccount/iAMMember:IAMMember roles/iam.serviceAccountTokenCreator',
    ]);
  });

  it('pushes with an OIDC token to /projects/<p>/topics/<t>, retries 10 s to 600 s, dead-letters after 10', () => {
    const push = one(run, SUBSCRIPTION, 'price-push');
    const url = 'https://camunda-dev-price-order-klmnopqrst-ew.a.run.app';
    expect(push.inputs).to.deep.include({
      topic: `projects/${PROJECT}/topics/camunda-dev-price-order`,
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
      deadLetterPolicy: {
        deadLetterTopic: `projects/${PROJECT}/topics/camunda-dev-price-order-dead-letter`,
        maxDeliveryAttempts: 10,
      },
      ackDeadlineSeconds: 70,
      pushConfig: {
        pushEndpoint: `${url}/projects/${PROJECT}/topics/camunda-dev-price-order`,
        oidcToken: { serviceAccountEmail: PUSH_SA, audience: url },
      },
    });
  });

  it('grants each identity only what it needs: function → engine, push → function, engine → topic', () => {
    expect(grantsTo(run, `serviceAccount:${FN_SA}`)).to.deep.equal([
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember roles/run.invoker',
    ]);
    expect(one(run, 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'price-engine-invoker').inputs.name).to.equal(
      'camunda-dev-engine',
    );
    expect(grantsTo(run, `serviceAccount:${PUSH_SA}`)).to.deep.equal([
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember roles/run.invoker',
    ]);
    expect(one(run, 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'price-push-invoker').inputs.name).to.equal(
      'camunda-dev-price-order',
    );
    expect(grantsTo(run, `serviceAccount:${ENGINE_SA}`)).to.deep.equal([
      'gcp:pubsub/topicIAMMember:TopicIAMMember roles/pubsub.publisher',
    ]);
    expect(one(run, 'gcp:pubsub/topicIAMMember:TopicIAMMember', 'price-engine-publisher').inputs.topic).to.equal(
      'camunda-dev-price-order',
    );
  });

  it('builds the function from the source with its entry point, running as its own account, env as contract §4', () => {
    const fn = one(run, FUNCTION);
    expect(fn.inputs.buildConfig.entryPoint).to.equal('priceOrder');
    expect(fn.inputs.serviceConfig.serviceAccountEmail).to.equal(FN_SA);
    expect(fn.inputs.serviceConfig.environmentVariables).to.deep.equal({
      ENGINE_URL,
      ENGINE_AUTH: 'id-token',
      ENGINE_TIMEOUT_MS: '10000',
      MAX_DELIVERY_ATTEMPTS: '10',
    });
    expect(fn.inputs.serviceConfig.secretEnvironmentVariables).to.deep.equal([]);
  });

  it('orders the first up: grants before the function, the build role propagated, the alert after its metric', () => {
    expect(run.mocks.dependenciesOf('price-function')).to.include.members([
      'price-engine-invoker',
      'price-build-role-propagation',
      'price-api-cloudfunctions',
    ]);
    expect(run.mocks.dependenciesOf('price-build-role-propagation')).to.include('price-build-role');
    expect(run.mocks.dependenciesOf('price-push')).to.include.members([
      'price-push-invoker',
      'price-push-token-creator',
      'price-dead-letter-publisher',
    ]);
    for (const grant of [
      'price-push-token-creator',
      'price-dead-letter-publisher',
      'price-push-dead-letter-subscriber',
    ]) {
      expect(run.mocks.dependenciesOf(grant), grant).to.include('price-pubsub-agent');
    }
    expect(run.mocks.dependenciesOf('price-deliveries-metric-known')).to.include('price-deliveries-metric');
    expect(run.mocks.dependenciesOf('price-stalled-alert')).to.include('price-deliveries-metric-known');
  });

  it('filters its metrics on the task type and alerts when no task completes', () => {
    for (const name of ['price-round-trip-metric', 'price-deliveries-metric']) {
      const filter = one(run, 'gcp:logging/metric:Metric', name).inputs.filter as string;
      expect(filter, name).to.include('resource.labels.service_name="camunda-dev-price-order"');
      expect(filter, name).to.include('jsonPayload.taskType="price-order"');
    }
    expect(one(run, 'gcp:logging/metric:Metric', 'price-round-trip-metric').inputs.filter).to.include(
      'jsonPayload.outcome="completed"',
    );
    const alert = one(run, 'gcp:monitoring/alertPolicy:AlertPolicy');
    expect(alert.inputs.conditions[0].conditionAbsent.filter).to.include(
      'user/camunda-dev-price-order-deliveries" AND resource.type="cloud_run_revision" AND metric.label.outcome="completed"',
    );
    expect(alert.inputs.displayName).to.include('push worker price-order');
    const dashboard = JSON.parse(one(run, 'gcp:monitoring/dashboard:Dashboard').inputs.dashboardJson as string);
    expect(dashboard.mosaicLayout.tiles).to.have.length(4);
  });
});

describe('PushWorker: the engine it replies to', () => {
  it('with basic auth: the user in the environment, the password as a secret reference the account may read', async () => {
    const run = await deploy({
      engine: {
        ...engine,
        basicAuth: {
          user: 'admin',
          passwordSecretId: 'camunda-dev-admin',
          passwordSecretVersion: '2',
          password: 'pw-1',
        },
      },
    });
    const fn = one(run, FUNCTION);
    expect(fn.inputs.serviceConfig.environmentVariables.ENGINE_BASIC_AUTH_USER).to.equal('admin');
    expect(fn.inputs.serviceConfig.secretEnvironmentVariables).to.deep.equal([
      { key: 'ENGINE_BASIC_AUTH_PASSWORD', projectId: PROJECT, secret: 'camunda-dev-admin', version: '2' },
    ]);
    expect(JSON.stringify(fn.inputs)).to.not.include('pw-1');
    expect(grantsTo(run, `serviceAccount:${FN_SA}`)).to.deep.equal([
      'gcp:cloudrunv2/serviceIamMember:ServiceIamMember roles/run.invoker',
      'gcp:secretmanager/secretIamMember:SecretIamMember roles/secretmanager.secretAccessor',
    ]);
  });

  it('an engine that checks its callers: pushWorkerCaller names the account before the worker exists', async () => {
    const { pushWorkerCaller } = require('../../components') as Components;
    const caller = pushWorkerCaller({
      name: 'price',
      taskType: 'price-order',
      project: PROJECT,
      namePrefix: 'camunda-dev',
    });
    expect(caller.permissions).to.deep.equal(['POST /engine-rest/message']);
    const email = await new Promise<string>((resolve) => {
      (caller.email as { apply(f: (v: string) => void): unknown }).apply(resolve);
    });
    expect(email).to.equal(FN_SA);
    await deploy({ engine: { ...engine, restCallers: [{ email, permissions: [...caller.permissions] }] } });
    const message = await failure({
      engine: { ...engine, restCallers: [{ email: 'ops@example.com', permissions: ['*'] }] },
    });
    expect(message).to.include(`the function's account ${FN_SA} may not call 'POST /engine-rest/message'`);
    expect(message).to.include('add pushWorkerCaller(...)');
  });
});

describe('PushWorker: arguments', () => {
  it('passes extra environment variables, and the subscription attempts to the function', async () => {
    const run = await deploy({
      environment: { PRICE_LIST: 'eu' },
      maxDeliveryAttempts: 7,
      functionTimeoutSeconds: 120,
    });
    const fn = one(run, FUNCTION);
    expect(fn.inputs.serviceConfig.environmentVariables).to.deep.include({
      PRICE_LIST: 'eu',
      MAX_DELIVERY_ATTEMPTS: '7',
    });
    const push = one(run, SUBSCRIPTION, 'price-push');
    expect(push.inputs.deadLetterPolicy.maxDeliveryAttempts).to.equal(7);
    expect(push.inputs.ackDeadlineSeconds).to.be.at.least(120);
  });

  it('refuses reserved and secret-like environment names, a bad task type and entry point, all at once', async () => {
    const message = await failure({
      taskType: 'Price_Order',
      entryPoint: 'price-order',
      environment: { ENGINE_URL: 'x', MAX_DELIVERY_ATTEMPTS: '3', API_TOKEN: 'y', '1X': 'z' },
    });
    expect(message).to.match(/^PushWorker 'price': invalid arguments:\n/);
    for (const part of [
      "taskType 'Price_Order' must be 1 to 63 lowercase letters",
      "entryPoint 'price-order' must be the name the function registers",
      'environment.ENGINE_URL: is set by PushWorker',
      'environment.MAX_DELIVERY_ATTEMPTS: is set by PushWorker',
      'environment.API_TOKEN: names a secret; keep the value in Secret Manager',
      'environment.1X: must be letters, digits and _',
    ]) {
      expect(message).to.include(part);
    }
  });

  it('keeps every name within its GCP limit for the longest task type, and two such workers apart', async () => {
    const long = `a${'-b'.repeat(31)}`;
    expect(long).to.have.length(63);
    const runs = [await deploy({ taskType: long }), await deploy({ taskType: `${long.slice(0, 62)}c` })];
    const accountIds = runs.map((r) =>
      r.mocks.ofType('gcp:serviceaccount/account:Account').map((a) => a.inputs.accountId as string),
    );
    for (const id of accountIds.flat()) expect(id).to.match(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    expect(new Set(accountIds.flat()).size).to.equal(6);
    for (const run of runs) {
      const fn = one(run, FUNCTION).inputs.name as string;
      expect(fn).to.match(/^[a-z][a-z0-9-]*[a-z0-9]$/);
      expect(fn.length).to.be.at.most(49);
      for (const metric of run.mocks.ofType('gcp:logging/metric:Metric')) {
        expect((metric.inputs.name as string).length).to.be.at.most(100);
      }
      for (const account of run.mocks.ofType('gcp:serviceaccount/account:Account')) {
        expect((account.inputs.displayName as string).length).to.be.at.most(100);
      }
      for (const r of run.mocks.resources) {
        for (const value of Object.values((r.inputs.labels ?? {}) as Record<string, string>)) {
          expect(value.length).to.be.at.most(63);
        }
      }
    }
    expect(one(runs[0] as ProgramRun, 'gcp:pubsub/topic:Topic', 'price-topic').inputs.name).to.equal(
      `camunda-dev-${long}`,
    );
  });

  it('previews the same resources while URLs are unknown', async () => {
    const count = (run: ProgramRun) => run.mocks.resources.filter((r) => r.custom).length;
    expect(count(await deploy({}, true))).to.equal(count(await deploy()));
  });
});
