// Issue 15 under Pulumi mocks: what a first `pulumi up` on a fresh project needs (the Resource
// Manager API, the Pub/Sub service agent created first, the alert after its metric is known, the
// build after its grant propagated, probe headroom) and who may call a private engine.

import type * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import type { CamundaServerlessArgs } from '../../components/camunda-serverless';
import type { EngineEndpoint } from '../../components/engine/endpoint';
import { checkEngineSetting } from '../../components/engine-settings';
import type { EchoLoopArgs } from '../../components/echo-loop';
import { PROJECT, type Props, type ProgramRun, REGION, runProgram, stackConfig, valueOf } from './support/mocks';

type Components = typeof import('../../components');

const ENGINE_SA = `camunda-dev-engine@${PROJECT}.iam.gserviceaccount.com`;
const FUNCTION_SA = `camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com`;
const AGENT = 'serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com';

const endpoint: EngineEndpoint = {
  url: 'https://camunda-dev-engine-abcdefghij-ew.a.run.app',
  serviceName: 'camunda-dev-engine',
  location: REGION,
  project: PROJECT,
  serviceAccountEmail: ENGINE_SA,
};

/** Declares an EchoLoop; a failed registration shows in its outputs, which this awaits (as `up` would fail). */
async function loop(args: Partial<EchoLoopArgs> = {}, preview = false): Promise<ProgramRun> {
  let functionUrl: pulumi.Output<string> | undefined;
  const run = await runProgram(
    () => {
      const { EchoLoop } = require('../../components') as Components;
      functionUrl = new EchoLoop('echo', { engine: endpoint, namePrefix: 'camunda-dev-echo', ...args }).functionUrl;
    },
    { config: stackConfig(), preview },
  );
  if (functionUrl) await valueOf(functionUrl);
  return run;
}

function engine(args: CamundaServerlessArgs = {}): Promise<ProgramRun> {
  return runProgram(
    () => {
      const { CamundaServerless } = require('../../components') as Components;
      new CamundaServerless('camunda', { project: PROJECT, region: REGION, namePrefix: 'camunda-dev', ...args });
    },
    { config: stackConfig() },
  );
}

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the declaration to fail');
}

const named = (run: ProgramRun, name: string): Props => run.mocks.named(name).inputs;
const envOf = (run: ProgramRun): Record<string, Props> =>
  Object.fromEntries((named(run, 'camunda-service').template.containers[0].envs as Props[]).map((e) => [e.name, e]));

describe('first up: the echo loop on a fresh project', () => {
  let run: ProgramRun;
  before(async () => {
    run = await loop();
  });

  it('grants the Pub/Sub service agent its three roles through the ServiceIdentity member, after it exists', () => {
    const grants = ['echo-push-token-creator', 'echo-dead-letter-publisher', 'echo-push-dead-letter-subscriber'];
    for (const grant of grants) {
      expect(named(run, grant).member, grant).to.equal(AGENT);
      expect(run.mocks.dependenciesOf(grant), grant).to.include('echo-pubsub-agent');
    }
  });

  it('creates the alert only once Cloud Monitoring knows the deliveries metric', () => {
    const wait = named(run, 'echo-deliveries-metric-known');
    expect(wait).to.deep.include({
      project: PROJECT,
      metricType: 'logging.googleapis.com/user/camunda-dev-echo-deliveries',
    });
    expect(run.mocks.dependenciesOf('echo-deliveries-metric-known')).to.include('echo-deliveries-metric');
    expect(run.mocks.dependenciesOf('echo-stalled-alert')).to.include('echo-deliveries-metric-known');
  });

  it('alerts also on a loop that never completed a round trip: push backlog age, dead letters (OR)', () => {
    const alert = named(run, 'echo-stalled-alert');
    expect(alert.combiner).to.equal('OR');
    const [absent, backlog, deadLetters] = alert.conditions as Props[];
    expect(absent?.conditionAbsent).to.be.an('object');
    expect(backlog?.conditionThreshold).to.deep.include({
      filter:
        'metric.type="pubsub.googleapis.com/subscription/oldest_unacked_message_age" AND resource.type="pubsub_subscription" AND resource.label.subscription_id="camunda-dev-echo-push"',
      comparison: 'COMPARISON_GT',
      thresholdValue: 15 * 60,
    });
    expect(deadLetters?.conditionThreshold).to.deep.include({
      filter:
        'metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages" AND resource.type="pubsub_subscription" AND resource.label.subscription_id="camunda-dev-echo-dead-letter-hold"',
      comparison: 'COMPARISON_GT',
      thresholdValue: 0,
    });
  });

  it('builds only after the build role had time to propagate, whatever the engine', () => {
    expect(named(run, 'echo-build-role').role).to.equal('roles/run.builder');
    const delay = named(run, 'echo-build-role-propagation');
    expect(delay.seconds).to.be.at.least(60);
    expect(run.mocks.dependenciesOf('echo-build-role-propagation')).to.include('echo-build-role');
    expect(run.mocks.dependenciesOf('echo-function')).to.include.members(['echo-build-role-propagation']);
  });

  it('with a build account of its own, grants nothing and waits for nothing', async () => {
    const given = await loop({
      buildServiceAccount: `projects/${PROJECT}/serviceAccounts/ci@${PROJECT}.iam.gserviceaccount.com`,
    });
    expect(given.mocks.ofType('pulumi-nodejs:dynamic/camunda:PropagationDelay')).to.have.length(0);
    expect(given.mocks.ofType('gcp:projects/iAMMember:IAMMember')).to.have.length(0);
  });

  it('writes no zero tile positions into the dashboard (they would show as a change on every preview)', () => {
    const tiles = JSON.parse(named(run, 'echo-dashboard').dashboardJson).mosaicLayout.tiles as Props[];
    expect(tiles.map((t) => [t.xPos, t.yPos])).to.deep.equal([
      [undefined, undefined],
      [6, undefined],
      [undefined, 4],
      [6, 4],
    ]);
  });

  it('runs the function as an existing account when given one', async () => {
    const given = await loop({ functionServiceAccount: `fn@${PROJECT}.iam.gserviceaccount.com` });
    expect(given.mocks.named('echo-function').inputs.serviceConfig.serviceAccountEmail).to.equal(
      `fn@${PROJECT}.iam.gserviceaccount.com`,
    );
    expect(given.mocks.ofType('gcp:serviceaccount/account:Account').map((a) => a.inputs.accountId)).to.not.include(
      'camunda-dev-echo-fn',
    );
  });

  it('passes starterServiceAccount to the loop starter as the account to impersonate', async () => {
    const starter = `starter@${PROJECT}.iam.gserviceaccount.com`;
    const given = await loop({ starterServiceAccount: starter });
    expect(given.mocks.named('echo-loop').inputs.impersonateServiceAccount).to.equal(starter);
  });
});

describe('first up: the engine', () => {
  it('gives a slow first start headroom: an initial delay on top of the 240 s probe window, within the caps', async () => {
    const run = await engine({ operators: ['ops@example.com'] });
    const probe = named(run, 'camunda-service').template.containers[0].startupProbe as Props;
    expect(probe.failureThreshold * probe.periodSeconds).to.be.at.most(240);
    expect(probe.initialDelaySeconds).to.be.within(30, 240);
    expect(probe.initialDelaySeconds + probe.failureThreshold * probe.periodSeconds).to.be.greaterThan(240);
  });
});

describe('first up: who may call a private engine', () => {
  it('checks Google ID tokens and lists callers and operators, merged per e-mail', async () => {
    const run = await engine({
      callers: [{ email: FUNCTION_SA, permissions: ['POST /engine-rest/message'] }],
      operators: ['Ops@Example.com', 'ops@example.com'],
    });
    const env = envOf(run);
    expect(env.REST_AUTH?.value).to.equal('google');
    expect(env.REST_CALLERS?.value).to.equal(`${FUNCTION_SA}=POST /engine-rest/message;ops@example.com=*`);
    // The value the engine will read passes the engine's own rule (docker/camunda/engine-settings.json).
    expect(checkEngineSetting('REST_CALLERS', env.REST_CALLERS?.value ?? '')).to.equal(undefined);
  });

  it('keeps basic authentication for a public engine and none without callers', async () => {
    expect(envOf(await engine({ public: true })).REST_AUTH?.value).to.equal('basic');
    const open = envOf(await engine());
    expect(open.REST_AUTH?.value).to.equal('none');
    expect(open.REST_CALLERS).to.equal(undefined);
  });

  const refusals: [string, CamundaServerlessArgs, string][] = [
    [
      'a permission without a method',
      { callers: [{ email: FUNCTION_SA, permissions: ['/engine-rest/message'] }] },
      "callers[0].permissions[0]: '/engine-rest/message' must be '<METHOD> /path'",
    ],
    [
      'a separator inside a permission',
      { callers: [{ email: FUNCTION_SA, permissions: ['GET /a;b'] }] },
      "callers[0].permissions[0]: 'GET /a;b'",
    ],
    [
      'a path the engine does not guard (outside /engine-rest)',
      { callers: [{ email: FUNCTION_SA, permissions: ['GET /ready'] }] },
      "callers[0].permissions[0]: 'GET /ready' must be '<METHOD> /path', '<METHOD> /prefix/*' or '*', the path under /engine-rest",
    ],
    [
      'a wildcard inside a path',
      { callers: [{ email: FUNCTION_SA, permissions: ['GET /engine-rest/*/count'] }] },
      "callers[0].permissions[0]: 'GET /engine-rest/*/count'",
    ],
    ['a caller without permissions', { callers: [{ email: FUNCTION_SA, permissions: [] }] }, 'callers[0].permissions'],
    ['an operator that is no e-mail', { operators: ['ops'] }, "operators[0]: 'ops' must be an e-mail address"],
    ['google authentication with nobody listed', { restAuthentication: 'google' }, 'callers, operators:'],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} at preview, naming the key`, async () => {
      expect(await failure(() => engine(args))).to.include(message);
    });
  }

  it('EchoLoop refuses an engine that would not let its function correlate, naming the fix', async () => {
    const locked: EngineEndpoint = { ...endpoint, restCallers: [{ email: 'ops@example.com', permissions: ['*'] }] };
    const message = await failure(() => loop({ engine: locked }, true));
    expect(message).to.include(`the function's account ${FUNCTION_SA} may not call 'POST /engine-rest/message'`);
    // The loop's own starter account must be an operator too (issue 15: the first up starts the loop).
    const open: EngineEndpoint = {
      ...endpoint,
      restCallers: [
        { email: FUNCTION_SA.toUpperCase(), permissions: ['POST /engine-rest/message'] },
        { email: `camunda-dev-echo-starter@${PROJECT}.iam.gserviceaccount.com`, permissions: ['*'] },
      ],
    };
    await loop({ engine: open }, true);
  });

  it('EchoLoop refuses a starter account the engine does not let start loops', async () => {
    const engineCallers: EngineEndpoint = {
      ...endpoint,
      restCallers: [{ email: FUNCTION_SA, permissions: ['POST /engine-rest/message'] }],
    };
    const message = await failure(() =>
      loop({ engine: engineCallers, starterServiceAccount: `starter@${PROJECT}.iam.gserviceaccount.com` }),
    );
    expect(message).to.include('starterServiceAccount: starter@');
  });
});
