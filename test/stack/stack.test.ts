// The stack program (index.ts) under Pulumi mocks: it runs with only gcp:project and gcp:region,
// wires the echo loop to the engine, exports what an operator needs and nothing secret, passes the
// policy pack, and refuses bad configuration at preview with a message naming the key.

import * as fs from 'node:fs';
import * as path from 'node:path';

import yaml from 'js-yaml';

import { STACK_CONFIG_KEYS } from '../../components/stack-config';
import { policies } from '../../policy/policies';
import { expect } from 'chai';
import {
  FAKE_ACCESS_TOKEN,
  FAKE_PASSWORD,
  PROJECT,
  type ProgramRun,
  REGION,
  runProgram,
  stackConfig,
} from '../components/support/mocks';
import { checkAll, type FakeResource } from '../policy/support/harness';

const ROOT = path.resolve(__dirname, '..', '..');
const PROGRAM = require.resolve('../../index');

/** Runs index.ts afresh (it reads its configuration when it loads). */
function runStack(config: Record<string, string>, options: { preview?: boolean } = {}): Promise<ProgramRun> {
  return runProgram(
    () => {
      delete require.cache[PROGRAM];
      return { ...(require(PROGRAM) as Record<string, unknown>) };
    },
    { config, ...(options.preview !== undefined ? { preview: options.preview } : {}) },
  );
}

async function refusal(config: Record<string, string>, preview = true): Promise<{ message: string; run?: ProgramRun }> {
  try {
    await runStack(config, { preview });
  } catch (err) {
    return { message: (err as Error).message };
  }
  throw new Error('expected the stack to refuse its configuration');
}

/** What the policy pack sees: every custom resource's state, plus the stack's outputs. */
function policyView(run: ProgramRun): FakeResource[] {
  const resources: FakeResource[] = run.mocks.resources
    .filter((r) => r.custom)
    .map((r) => ({ type: r.type, name: r.name, props: r.state }));
  resources.push({ type: 'pulumi:pulumi:Stack', name: 'camunda-serverless-dev', props: run.outputs });
  return resources;
}

describe('stack program: with only gcp:project and gcp:region', () => {
  let run: ProgramRun;
  before(async () => {
    run = await runStack(stackConfig());
  });

  it('declares the engine and the echo loop (its worker a component inside it) as the top-level components', () => {
    const components = run.mocks.resources.filter((r) => !r.custom).map((r) => `${r.type}::${r.name}`);
    expect(components).to.deep.equal([
      'pulumi:pulumi:Stack::camunda-serverless-dev',
      'camunda-serverless:index:CamundaServerless::camunda',
      'camunda-serverless:index:EchoLoop::echo',
      'camunda-serverless:index:PushWorker::echo',
    ]);
    expect(run.urns.filter((u) => u.includes('::pulumi:pulumi:Stack$camunda-serverless:index:'))).to.have.length(2);
  });

  it('names physical resources after the stack', () => {
    const service = run.mocks.ofType('gcp:cloudrunv2/service:Service')[0];
    expect(service?.inputs.name).to.equal('camunda-dev-engine');
    expect(
      run.mocks
        .ofType('gcp:pubsub/topic:Topic')
        .map((t) => t.inputs.name)
        .sort(),
    ).to.deep.equal(['camunda-dev-echo', 'camunda-dev-echo-dead-letter']);
  });

  it('wires the echo loop to this engine: its URL, its service account, its service', () => {
    const url = 'https://camunda-dev-engine-abcdefghij-ew.a.run.app';
    const fn = run.mocks.ofType('gcp:cloudfunctionsv2/function:Function')[0];
    expect(fn?.inputs.serviceConfig.environmentVariables.ENGINE_URL).to.equal(url);
    const publisher = run.mocks.named('echo-engine-publisher');
    expect(publisher.inputs.member).to.equal(`serviceAccount:camunda-dev-engine@${PROJECT}.iam.gserviceaccount.com`);
    expect(run.mocks.named('echo-engine-invoker').inputs.name).to.equal('camunda-dev-engine');
    expect(run.mocks.named('echo-loop').inputs.engineUrl).to.equal(url);
  });

  it('exports what an operator needs', () => {
    expect(run.outputs).to.include.all.keys(
      'engineUrl',
      'messageUrl',
      'engineService',
      'engineServiceAccount',
      'imageDigest',
      'databaseConnectionName',
      'databasePasswordSecret',
      'curlEngine',
      'wakeJob',
      'loopName',
      'loopProcessInstanceId',
      'echoTopic',
      'echoFunction',
      'echoFunctionUrl',
      'pushSubscription',
      'deadLetterTopic',
      'deadLetterSubscription',
      'inspectDeadLetters',
      'dashboardUrl',
      'alertPolicy',
      'starterAccount',
    );
    expect(run.outputs.messageUrl).to.equal(`${run.outputs.engineUrl}/engine-rest/message`);
    // The account operators impersonate to reach the engine: the loop's own starter, an engine operator.
    expect(run.outputs.starterAccount).to.equal(`camunda-dev-echo-starter@${PROJECT}.iam.gserviceaccount.com`);
    expect(run.outputs.databasePasswordSecret).to.equal(`projects/${PROJECT}/secrets/camunda-dev-db-password`);
    expect(run.outputs.inspectDeadLetters).to.equal(
      `gcloud pubsub subscriptions pull camunda-dev-echo-dead-letter-hold --project ${PROJECT} --limit 10`,
    );
    expect(run.outputs).to.not.have.any.keys('adminUser', 'adminPasswordSecret');
  });

  it('exports no secret value: not the generated passwords, not the deployer token', () => {
    const text = JSON.stringify(run.outputs);
    expect(text).to.not.include(FAKE_PASSWORD);
    expect(text).to.not.include(FAKE_ACCESS_TOKEN);
  });

  it('passes the policy pack', async () => {
    expect(await checkAll(policies, policyView(run))).to.deep.equal([]);
  });

  it('the policy check over the stack can fail: a tampered copy is caught', async () => {
    const tampered = policyView(run).map((r) => {
      if (r.type !== 'gcp:sql/databaseInstance:DatabaseInstance') return r;
      const settings = r.props.settings as Record<string, unknown>;
      return {
        ...r,
        props: {
          ...r.props,
          settings: { ...settings, ipConfiguration: { authorizedNetworks: [{ value: '0.0.0.0/0' }] } },
        },
      };
    });
    const violations = await checkAll(policies, tampered);
    expect(violations.map((v) => v.policy).sort()).to.deep.equal([
      'cloud-sql-no-open-network',
      'cloud-sql-require-ssl',
    ]);
  });
});

describe('stack program: options', () => {
  it('a public stack passes the policy pack too, and exports the admin user and password secret reference', async () => {
    const run = await runStack(stackConfig({ public: true }));
    // The operator lists the public engine in the pack's config (--policy-pack-config); without it, refused.
    const config = { 'no-public-invoker-grant': { publicInvokers: ['camunda-dev-engine'] } };
    expect(await checkAll(policies, policyView(run), config)).to.deep.equal([]);
    expect((await checkAll(policies, policyView(run))).map((v) => v.policy)).to.deep.equal(['no-public-invoker-grant']);
    expect(run.outputs).to.deep.include({
      adminUser: 'admin',
      adminPasswordSecret: `projects/${PROJECT}/secrets/camunda-dev-admin-password`,
    });
    expect(JSON.stringify(run.outputs)).to.not.include(FAKE_PASSWORD);
  });

  it('echoLoop false deploys the engine only', async () => {
    const run = await runStack(stackConfig({ echoLoop: false }));
    expect(run.mocks.resources.map((r) => r.type)).to.not.include('camunda-serverless:index:EchoLoop');
    expect(run.outputs).to.not.have.any.keys('echoTopic', 'dashboardUrl');
  });

  it('alertEmail adds an e-mail channel the alert notifies', async () => {
    const run = await runStack(stackConfig({ alertEmail: 'ops@example.com' }));
    const [channel] = run.mocks.ofType('gcp:monitoring/notificationChannel:NotificationChannel');
    expect(channel?.inputs).to.deep.include({ type: 'email', labels: { email_address: 'ops@example.com' } });
    const [alert] = run.mocks.ofType('gcp:monitoring/alertPolicy:AlertPolicy');
    expect(alert?.inputs.notificationChannels).to.deep.equal([`projects/${PROJECT}/notificationChannels/987`]);
  });

  it('a ready image skips the build; namePrefix and sizing reach the resources', async () => {
    const image = `europe-west1-docker.pkg.dev/${PROJECT}/images/camunda@sha256:${'1'.repeat(64)}`;
    const run = await runStack(
      stackConfig({ image, namePrefix: 'cs-prod', minInstances: 1, maxInstances: 3, deletionProtection: true }),
    );
    expect(run.mocks.ofType('docker:index/image:Image')).to.have.length(0);
    const service = run.mocks.ofType('gcp:cloudrunv2/service:Service')[0];
    expect(service?.inputs).to.deep.include({ name: 'cs-prod-engine', deletionProtection: true });
    expect(service?.inputs.template.scaling).to.deep.equal({ minInstanceCount: 1, maxInstanceCount: 3 });
    expect(service?.inputs.template.containers[0].image).to.equal(image);
  });
});

describe('stack program: preview', () => {
  it('previews the same resources as an update, passing the policy pack on what is known', async () => {
    const preview = await runStack(stackConfig(), { preview: true });
    const update = await runStack(stackConfig());
    const types = (run: ProgramRun) => run.mocks.resources.map((r) => `${r.type}::${r.name}`).sort();
    expect(types(preview)).to.deep.equal(types(update));
    expect(preview.mocks.resources.some((r) => JSON.stringify(r.inputs).includes('__pulumiUnknown'))).to.equal(true);
    expect(await checkAll(policies, policyView(preview))).to.deep.equal([]);
  });

  const refusals: [string, Record<string, string>, string][] = [
    [
      'an unknown region format',
      stackConfig({}, { project: PROJECT, region: 'Europe West 1' }),
      "gcp:region: 'Europe West 1' is not a GCP region",
    ],
    [
      'min instances above max',
      stackConfig({ minInstances: 3, maxInstances: 2 }),
      'camunda-serverless:minInstances: (3) must not exceed camunda-serverless:maxInstances (2)',
    ],
    [
      'a retry interval that does not parse',
      stackConfig({ publishRetryTimeCycle: 'every 30 seconds' }),
      'camunda-serverless:publishRetryTimeCycle: must be a retry cycle such as R999999/PT30S',
    ],
  ];
  for (const [what, config, expected] of refusals) {
    it(`refuses ${what} at preview, naming the key`, async () => {
      const { message } = await refusal(config);
      expect(message).to.include('Invalid stack configuration:');
      expect(message).to.include(expected);
    });
  }
});

describe('stack program: Pulumi.yaml and Pulumi.dev.yaml', () => {
  const project = yaml.load(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8')) as {
    name: string;
    main: string;
    runtime: { name: string };
    config: Record<string, { type: string; default: unknown; description: string }>;
  };
  const dev = yaml.load(fs.readFileSync(path.join(ROOT, 'Pulumi.dev.yaml'), 'utf8')) as {
    config: Record<string, unknown>;
  };

  it('is a Node.js project whose program is index.ts', () => {
    expect(project).to.deep.include({ name: 'camunda-serverless', main: 'index.ts' });
    expect(project.runtime.name).to.equal('nodejs');
  });

  it('declares every key the program reads, with type, default and description', () => {
    expect(Object.keys(project.config).sort()).to.deep.equal(STACK_CONFIG_KEYS.map((k) => k.key).sort());
    for (const key of STACK_CONFIG_KEYS) {
      expect(project.config[key.key], key.key).to.deep.equal({
        type: key.type,
        default: key.default,
        description: key.description,
      });
      expect(key.description.length, key.key).to.be.greaterThan(20);
    }
  });

  it('Pulumi.dev.yaml uses only declared keys and is a configuration the program accepts', async () => {
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(dev.config)) {
      const [namespace, name] = key.split(':');
      if (namespace === 'camunda-serverless') expect(project.config, key).to.have.property(name as string);
      else expect(['gcp:project', 'gcp:region'], key).to.include(key);
      config[key] = String(value);
    }
    const run = await runStack(config);
    expect(run.mocks.ofType('gcp:cloudrunv2/service:Service')).to.have.length(1);
    expect(run.mocks.ofType('gcp:cloudrunv2/service:Service')[0]?.inputs.location).to.equal(REGION);
  });
});

describe('stack program: who may call the engine (issue 15)', () => {
  const envOf = (run: ProgramRun): Record<string, { value?: unknown }> =>
    Object.fromEntries(
      (
        run.mocks.named('camunda-service').inputs.template.containers[0].envs as { name: string; value?: unknown }[]
      ).map((e) => [e.name, e]),
    );

  it("lets the echo function correlate messages and nothing else, and the loop's own starter do everything, by default", async () => {
    const env = envOf(await runStack(stackConfig()));
    expect(env.REST_AUTH?.value).to.equal('google');
    expect(env.REST_CALLERS?.value).to.equal(
      `camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com=POST /engine-rest/message;` +
        `camunda-dev-echo-starter@${PROJECT}.iam.gserviceaccount.com=*`,
    );
  });

  it('adds operators and the starter account with every permission; the starter impersonates it', async () => {
    const starter = `starter@${PROJECT}.iam.gserviceaccount.com`;
    const run = await runStack(
      stackConfig({ operators: 'alice@example.com, ops@example.com', starterServiceAccount: starter }),
    );
    expect(envOf(run).REST_CALLERS?.value).to.equal(
      `camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com=POST /engine-rest/message;alice@example.com=*;ops@example.com=*;${starter}=*`,
    );
    expect(run.mocks.named('echo-loop').inputs.impersonateServiceAccount).to.equal(starter);
  });

  it('refuses operators that are not e-mails, naming the key', async () => {
    const { message } = await refusal(stackConfig({ operators: 'alice' }));
    expect(message).to.include('camunda-serverless:operators: must be e-mail addresses separated by commas');
  });
});
