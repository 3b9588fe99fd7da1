// Issue 15 under Pulumi mocks: a first `pulumi up` with only gcp:project and gcp:region starts the
// loop. On an engine that checks its callers, with no starterServiceAccount, EchoLoop creates the
// starter's own account (run.invoker on the engine, the deployer may mint its tokens), waits for the
// grants to propagate, and the starter impersonates it; the stack lists it among the operators.

import type * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import type { EngineEndpoint } from '../../components/engine/endpoint';
import type { EchoLoopArgs } from '../../components/echo-loop';
import { NAME_PREFIX_MAX } from '../../components/validation';
import { DEPLOYER_EMAIL, PROJECT, type ProgramRun, REGION, runProgram, stackConfig, valueOf } from './support/mocks';

type Components = typeof import('../../components');

const ENGINE_URL = 'https://camunda-dev-engine-abcdefghij-ew.a.run.app';
const FUNCTION_SA = `camunda-dev-echo-fn@${PROJECT}.iam.gserviceaccount.com`;
const STARTER_SA = `camunda-dev-echo-starter@${PROJECT}.iam.gserviceaccount.com`;
const STARTER = 'pulumi-nodejs:dynamic/camunda:LoopStarter';
const DELAY = 'pulumi-nodejs:dynamic/camunda:PropagationDelay';
const USERINFO = 'gcp:organizations/getClientOpenIdUserInfo:getClientOpenIdUserInfo';
/** The engine image's push credentials (the stack builds the image). */
const CLIENT_CONFIG = 'gcp:organizations/getClientConfig:getClientConfig';
/** What the starter identity adds: its account, two grants and the wait. */
const STARTER_RESOURCES = [
  'echo-starter-sa',
  'echo-starter-engine-invoker',
  'echo-starter-token-creator',
  'echo-starter-grants-propagation',
];

/** An engine that checks its callers and lists the loop's function and its own starter. */
const checking: EngineEndpoint = {
  url: ENGINE_URL,
  serviceName: 'camunda-dev-engine',
  location: REGION,
  project: PROJECT,
  serviceAccountEmail: `camunda-dev-engine@${PROJECT}.iam.gserviceaccount.com`,
  restCallers: [
    { email: FUNCTION_SA, permissions: ['POST /engine-rest/message'] },
    { email: STARTER_SA, permissions: ['*'] },
  ],
};

/** Declares an EchoLoop and waits for its outputs (a failed check fails the run, as `up` would). */
async function loop(
  args: Partial<EchoLoopArgs> = {},
  options: { deployerEmail?: string; preview?: boolean } = {},
): Promise<ProgramRun> {
  let functionUrl: pulumi.Output<string> | undefined;
  const run = await runProgram(
    () => {
      const { EchoLoop } = require('../../components') as Components;
      functionUrl = new EchoLoop('echo', { engine: checking, namePrefix: 'camunda-dev-echo', ...args }).functionUrl;
    },
    { config: stackConfig(), ...options },
  );
  if (functionUrl) await valueOf(functionUrl);
  return run;
}

const names = (run: ProgramRun): string[] => run.mocks.resources.map((r) => r.name);
const apis = (run: ProgramRun): string[] =>
  run.mocks.ofType('gcp:projects/service:Service').map((a) => String(a.inputs.service).replace('.googleapis.com', ''));

describe('starter default: EchoLoop on an engine that checks its callers', () => {
  let run: ProgramRun;
  before(async () => {
    run = await loop();
  });

  it('creates the starter account <prefix>-starter after the APIs, parented to the component', () => {
    expect(run.mocks.named('echo-starter-sa').inputs).to.deep.include({
      project: PROJECT,
      accountId: 'camunda-dev-echo-starter',
    });
    expect(run.mocks.dependenciesOf('echo-starter-sa')).to.include('echo-api-iam');
    for (const name of STARTER_RESOURCES) {
      const urn = run.urns.find((u) => u.endsWith(`::${name}`));
      expect(urn, name).to.include('camunda-serverless:index:EchoLoop$');
    }
  });

  it('lets the account invoke the engine service, and the deploying user mint its tokens', () => {
    expect(run.mocks.named('echo-starter-engine-invoker')).to.deep.include({
      type: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
    });
    expect(run.mocks.named('echo-starter-engine-invoker').inputs).to.deep.include({
      project: PROJECT,
      location: REGION,
      name: 'camunda-dev-engine',
      role: 'roles/run.invoker',
      member: `serviceAccount:${STARTER_SA}`,
    });
    const tokenCreator = run.mocks.named('echo-starter-token-creator');
    expect(tokenCreator.type).to.equal('gcp:serviceaccount/iAMMember:IAMMember');
    expect(tokenCreator.inputs).to.deep.include({
      serviceAccountId: `projects/${PROJECT}/serviceAccounts/${STARTER_SA}`,
      role: 'roles/iam.serviceAccountTokenCreator',
      member: `user:${DEPLOYER_EMAIL}`,
    });
  });

  it('grants a deploying service account as serviceAccount:', async () => {
    const ci = `ci-deployer@${PROJECT}.iam.gserviceaccount.com`;
    const byCi = await loop({}, { deployerEmail: ci });
    expect(byCi.mocks.named('echo-starter-token-creator').inputs.member).to.equal(`serviceAccount:${ci}`);
  });

  it('starts the loop only after both grants had time to propagate, impersonating the account', () => {
    const delay = run.mocks.named('echo-starter-grants-propagation');
    expect(delay.type).to.equal(DELAY);
    expect(delay.inputs.seconds).to.be.at.least(60);
    expect(run.mocks.dependenciesOf('echo-starter-grants-propagation')).to.include.members([
      'echo-starter-engine-invoker',
      'echo-starter-token-creator',
    ]);
    expect(run.mocks.dependenciesOf('echo-loop')).to.include('echo-starter-grants-propagation');
    expect(run.mocks.named('echo-loop').inputs.impersonateServiceAccount).to.equal(STARTER_SA);
  });

  it('enables the IAM Credentials API, which impersonation calls', () => {
    expect(apis(run)).to.include('iamcredentials');
  });

  it("looks up the deployer's e-mail, and nothing else", () => {
    // The one invoke of the program: who runs `pulumi up` (Google's userinfo; no project API needed).
    expect(run.mocks.calls.map((c) => c.token)).to.deep.equal([USERINFO]);
  });

  it('declares the same in a preview', async () => {
    const preview = await runProgram(
      () => {
        const { EchoLoop } = require('../../components') as Components;
        new EchoLoop('echo', { engine: checking, namePrefix: 'camunda-dev-echo' });
      },
      { config: stackConfig(), preview: true },
    );
    expect(names(preview).sort()).to.deep.equal(names(run).sort());
  });
});

describe('starter default: when it is not needed', () => {
  const starterFree = (run: ProgramRun) => {
    for (const name of STARTER_RESOURCES) expect(names(run), name).to.not.include(name);
    expect(run.mocks.ofType('gcp:serviceaccount/account:Account').map((a) => a.inputs.accountId)).to.not.include(
      'camunda-dev-echo-starter',
    );
    expect(run.mocks.calls).to.deep.equal([]);
  };

  it('with starterServiceAccount: impersonates that one, creates nothing (the API is still enabled)', async () => {
    const given = `starter@${PROJECT}.iam.gserviceaccount.com`;
    const engine: EngineEndpoint = {
      ...checking,
      restCallers: [
        { email: FUNCTION_SA, permissions: ['POST /engine-rest/message'] },
        { email: given, permissions: ['*'] },
      ],
    };
    const run = await loop({ starterServiceAccount: given, engine });
    starterFree(run);
    expect(run.mocks.named('echo-loop').inputs.impersonateServiceAccount).to.equal(given);
    expect(apis(run)).to.include('iamcredentials');
  });

  it('with startLoop false: no starter, no account, no IAM Credentials API', async () => {
    const run = await loop({ startLoop: false });
    starterFree(run);
    expect(run.mocks.ofType(STARTER)).to.have.length(0);
    expect(apis(run)).to.not.include('iamcredentials');
  });

  it('with a public engine (basic auth, no callers checked): the deployer calls as before', async () => {
    const { restCallers: _ignored, ...open } = checking;
    const run = await loop({
      engine: {
        ...open,
        basicAuth: { user: 'admin', passwordSecretId: 'pw', passwordSecretVersion: '1', password: 'secret-pw-1' },
      },
    });
    starterFree(run);
    expect(run.mocks.named('echo-loop').inputs).to.not.have.property('impersonateServiceAccount');
    expect(apis(run)).to.not.include('iamcredentials');
  });
});

describe('starter default: echoStarterCaller and the preview check', () => {
  it("names the starter's account before the loop exists, with every permission", async () => {
    const { echoStarterCaller } = require('../../components') as Components;
    const caller = echoStarterCaller({ name: 'echo', project: PROJECT, namePrefix: 'camunda-dev-echo' });
    expect(await valueOf(caller.email)).to.equal(STARTER_SA);
    expect(caller.permissions).to.deep.equal(['*']);
    const derived = echoStarterCaller({ name: 'My Loop', project: 'example.com:proj' });
    expect(await valueOf(derived.email)).to.equal('my-loop-starter@proj.example.com.iam.gserviceaccount.com');
  });

  it('fits the account id limit (6 to 30 characters) with the longest and the shortest prefix', () => {
    const { starterAccountId } = require('../../components/echo/engine-access') as {
      starterAccountId: (prefix: string) => string;
    };
    for (const prefix of ['a'.repeat(NAME_PREFIX_MAX), 'abcd']) {
      expect(starterAccountId(prefix)).to.match(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    }
  });

  it('refuses, at preview, an engine that checks callers without the starter, naming echoStarterCaller', async () => {
    const engine: EngineEndpoint = {
      ...checking,
      restCallers: [{ email: FUNCTION_SA, permissions: ['POST /engine-rest/message'] }],
    };
    let message = '';
    await loop({ engine }, { preview: true }).catch((err: Error) => {
      message = err.message;
    });
    expect(message).to.include(`the loop starter runs as the loop's own account ${STARTER_SA}`);
    expect(message).to.include("add echoStarterCaller(...) (or '" + STARTER_SA + "') to the engine's operators");
  });
});

describe('starter default: the stack with only gcp:project and gcp:region', () => {
  const PROGRAM = require.resolve('../../index');
  const runStack = (keys: Record<string, string | boolean> = {}): Promise<ProgramRun> =>
    runProgram(
      () => {
        delete require.cache[PROGRAM];
        return { ...(require(PROGRAM) as Record<string, unknown>) };
      },
      { config: stackConfig(keys) },
    );
  const restCallers = (run: ProgramRun): string =>
    (run.mocks.named('camunda-service').inputs.template.containers[0].envs as { name: string; value?: string }[]).find(
      (e) => e.name === 'REST_CALLERS',
    )?.value ?? '';

  it('creates the starter account, lists it as an operator, and the starter impersonates it', async () => {
    const run = await runStack();
    expect(names(run)).to.include.members(STARTER_RESOURCES);
    expect(restCallers(run)).to.include(`${STARTER_SA}=*`);
    expect(run.mocks.named('echo-loop').inputs.impersonateServiceAccount).to.equal(STARTER_SA);
    expect(apis(run)).to.include('iamcredentials');
    // Besides the image push's access token, the one invoke: the deployer's e-mail, for its grant.
    expect(run.mocks.calls.map((c) => c.token).sort()).to.deep.equal([CLIENT_CONFIG, USERINFO]);
  });

  it('curlEngine mints the starter account token for the engine URL, with its e-mail, in both headers', async () => {
    const run = await runStack();
    expect(run.outputs.curlEngine).to.equal(
      `T=$(gcloud auth print-identity-token --impersonate-service-account=${STARTER_SA} --audiences=${ENGINE_URL} ` +
        `--include-email) && curl -H "X-Serverless-Authorization: Bearer $T" -H "Authorization: Bearer $T" ` +
        `${ENGINE_URL}/engine-rest/process-instance/count`,
    );
  });

  it('with starterServiceAccount, startLoop false or a public engine: no starter account, no operator for it', async () => {
    const given = `starter@${PROJECT}.iam.gserviceaccount.com`;
    const cases: Record<string, string | boolean>[] = [
      { starterServiceAccount: given },
      { startLoop: false },
      { public: true },
    ];
    for (const keys of cases) {
      const run = await runStack(keys);
      for (const name of STARTER_RESOURCES) expect(names(run), `${JSON.stringify(keys)} ${name}`).to.not.include(name);
      expect(restCallers(run), JSON.stringify(keys)).to.not.include('camunda-dev-echo-starter');
      expect(
        run.mocks.calls.map((c) => c.token),
        JSON.stringify(keys),
      ).to.deep.equal([CLIENT_CONFIG]);
    }
    const withGiven = await runStack({ starterServiceAccount: given });
    expect(withGiven.outputs.curlEngine).to.include(`--impersonate-service-account=${given} `);
  });
});
