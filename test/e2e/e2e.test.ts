// The logic of `npm run e2e` with the Pulumi stack and the engine replaced by fakes: the real run
// needs the Pulumi CLI, Google credentials and a project, which this machine does not have.

import { expect } from 'chai';

import { HttpServer } from '../../devkit/http-server';

import {
  type AuthorizedGet,
  type E2eDeps,
  type HttpAnswer,
  runE2e,
  sampleLoop,
  type StackFactory,
  type StackOperations,
} from '../../e2e/e2e';
import { type E2eOptions, OptionsError, parseOptions, stackConfig } from '../../e2e/options';
import { idTokenGet } from '../../e2e/run';

const ENGINE = 'https://camunda-e2e-engine-abc-ew.a.run.app';
const SECRET_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-id-token.signature';

const OPTIONS: E2eOptions = {
  project: 'my-project-123',
  region: 'europe-west1',
  stackName: 'e2e-test',
  namePrefix: 'e2e-abc123',
  roundTrips: 3,
  timeoutMs: 10 * 60_000,
  pollMs: 10_000,
  extraConfig: {},
};

/** What the fake engine shows at one look: the loop's counter and its PushTask instances. */
interface EngineState {
  loops?: number;
  iteration?: number;
  echos?: number;
  incidents?: { incidentType: string; activityId: string; incidentMessage: string }[];
  /** Answer every request with this status instead. */
  status?: number;
}

/**
 * An engine whose state follows a script: look n sees states[min(n, last)]. Records the URLs asked.
 */
function fakeEngine(states: EngineState[]): { get: AuthorizedGet; urls: string[]; looks: () => number } {
  const urls: string[] = [];
  let look = 0;
  const state = (): EngineState => states[Math.min(look, states.length - 1)] as EngineState;
  const get: AuthorizedGet = async (url) => {
    urls.push(url);
    const s = state();
    const answer = (body: unknown): HttpAnswer => ({
      status: s.status ?? 200,
      body: s.status && s.status !== 200 ? 'Service Unavailable' : body,
    });
    const path = url.slice(`${ENGINE}/engine-rest`.length);
    if (path.startsWith('/process-instance?processDefinitionKey=EchoLoop')) {
      return answer(Array.from({ length: s.loops ?? 1 }, (_, i) => ({ id: `loop-${i}`, businessKey: 'echo' })));
    }
    if (path.startsWith('/process-instance?processDefinitionKey=PushTask&')) {
      return answer(Array.from({ length: s.echos ?? 1 }, (_, i) => ({ id: `echo-${i}`, businessKey: 'echo' })));
    }
    if (path.startsWith('/incident')) {
      // The incident list is the last request of a look.
      const body = s.incidents ?? [];
      return answer(body);
    }
    if (path.startsWith('/process-instance/loop-0/variables/iteration')) {
      look += 1;
      return answer({ type: 'Integer', value: s.iteration ?? 0 });
    }
    return { status: 404, body: { message: `unexpected ${url}` } };
  };
  return { get, urls, looks: () => look };
}

interface StackCalls {
  created: { name: string; config: Record<string, string> }[];
  up: number;
  destroy: number;
  remove: number;
}

function fakeStacks(
  behaviour: { create?: Error; up?: Error; destroy?: Error; remove?: Error; outputs?: Record<string, unknown> } = {},
): {
  stacks: StackFactory;
  calls: StackCalls;
} {
  const calls: StackCalls = { created: [], up: 0, destroy: 0, remove: 0 };
  const stack: StackOperations = {
    async up(onOutput) {
      calls.up += 1;
      onOutput('Updating (e2e-test):\n + camunda-serverless:index:CamundaServerless camunda creating\n');
      if (behaviour.up) throw behaviour.up;
      return behaviour.outputs ?? { engineUrl: ENGINE, loopName: 'echo', messageUrl: `${ENGINE}/engine-rest/message` };
    },
    async destroy(onOutput) {
      calls.destroy += 1;
      onOutput('Destroying (e2e-test):\n');
      if (behaviour.destroy) throw behaviour.destroy;
    },
    async remove() {
      calls.remove += 1;
      if (behaviour.remove) throw behaviour.remove;
    },
  };
  return {
    calls,
    stacks: {
      async create(name, config) {
        calls.created.push({ name, config: { ...config } });
        if (behaviour.create) throw behaviour.create;
        return stack;
      },
    },
  };
}

function harness(
  engine: ReturnType<typeof fakeEngine>,
  stacks: ReturnType<typeof fakeStacks>,
  signal?: AbortSignal,
): { deps: E2eDeps; lines: string[]; clock: { t: number } } {
  const lines: string[] = [];
  const clock = { t: 0 };
  const deps: E2eDeps = {
    stacks: stacks.stacks,
    engineClient: (url) => {
      expect(url).to.equal(ENGINE);
      return engine.get;
    },
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
    log: (line) => lines.push(line),
    ...(signal ? { signal } : {}),
  };
  return { deps, lines, clock };
}

describe('npm run e2e (with a fake stack and a fake engine)', () => {
  it('passes when the loop completes N round trips with one PushTask, then destroys and removes the stack', async () => {
    const engine = fakeEngine([{ iteration: 1 }, { iteration: 2 }, { iteration: 3 }, { iteration: 4 }]);
    const stacks = fakeStacks();
    const { deps, lines } = harness(engine, stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result).to.deep.equal({ passed: true, failures: [], roundTrips: 3, destroyed: true });
    expect(stacks.calls).to.deep.include({ up: 1, destroy: 1, remove: 1 });
    expect(stacks.calls.created[0]?.name).to.equal('e2e-test');
    expect(engine.looks()).to.equal(4);
    const steps = lines
      .filter((l) => l.startsWith('e2e ['))
      .map((l) => l.replace(/^e2e \[\d\d:\d\d\] /, '').split(':')[0]);
    expect(steps).to.deep.equal([
      '1/5 creating stack e2e-test in project my-project-123, region europe-west1 (resource prefix e2e-abc123)',
      '2/5 pulumi up',
      '2/5 up done',
      '3/5 waiting for 3 round trips with exactly one active PushTask (at most 10 min)',
      '3/5 passed',
      '4/5 pulumi destroy',
      '5/5 removing the stack',
      'PASSED',
    ]);
    expect(lines).to.include('  |  + camunda-serverless:index:CamundaServerless camunda creating');
    expect(lines.some((l) => l.includes("loop 'echo': 2/3 round trips, 1 active PushTask"))).to.equal(true);
  });

  it('asks the engine only for the loop of its business key, and reads its iteration counter', async () => {
    const engine = fakeEngine([{ iteration: 5 }]);
    const sample = await sampleLoop(engine.get, `${ENGINE}/`, 'echo');
    expect(sample).to.deep.equal({ loops: 1, roundTrips: 4, activeEchos: 1, incidents: 0, incidentMessage: undefined });
    expect(engine.urls).to.deep.equal([
      `${ENGINE}/engine-rest/process-instance?processDefinitionKey=EchoLoop&businessKey=echo`,
      `${ENGINE}/engine-rest/process-instance?processDefinitionKey=PushTask&businessKey=echo&active=true`,
      `${ENGINE}/engine-rest/incident?maxResults=5`,
      `${ENGINE}/engine-rest/process-instance/loop-0/variables/iteration?deserializeValue=false`,
    ]);
  });

  it('fails when the loop never reaches N round trips in time, and still destroys the stack', async () => {
    const engine = fakeEngine([{ iteration: 1 }, { iteration: 2 }]);
    const stacks = fakeStacks();
    const { deps, lines, clock } = harness(engine, stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.passed).to.equal(false);
    expect(result.destroyed).to.equal(true);
    expect(result.roundTrips).to.equal(1);
    expect(result.failures).to.have.length(1);
    expect(result.failures[0]).to.match(
      /did not complete 3 round trips within 10 min \(1 round trips, 1 active PushTask\)/,
    );
    expect(clock.t).to.equal(OPTIONS.timeoutMs);
    expect(stacks.calls).to.deep.include({ destroy: 1, remove: 1 });
    expect(lines[lines.length - 2]).to.match(/FAILED \(1 problem\):$/);
  });

  it('fails at once when the loop multiplies (two active PushTask instances), and destroys', async () => {
    const engine = fakeEngine([{ iteration: 1 }, { iteration: 2, echos: 2 }, { iteration: 9 }]);
    const stacks = fakeStacks();
    const { deps, clock } = harness(engine, stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.passed).to.equal(false);
    expect(result.failures[0]).to.equal("2 active PushTask instances of loop 'echo' at once: the loop multiplied");
    expect(clock.t).to.equal(OPTIONS.pollMs);
    expect(stacks.calls).to.deep.include({ destroy: 1, remove: 1 });
  });

  it('fails when two loops of one name run, or the loop is gone', async () => {
    for (const [state, message] of [
      [{ loops: 2 }, /2 EchoLoop instances with business key 'echo': the loop multiplied/],
      [{ loops: 0 }, /no running EchoLoop instance with business key 'echo'/],
    ] as const) {
      const { deps } = harness(fakeEngine([state]), fakeStacks());
      const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
      expect(result.failures[0]).to.match(message);
    }
  });

  it('fails on an incident, naming it', async () => {
    const incident = {
      incidentType: 'failedJob',
      activityId: 'Activity_PublishEcho',
      incidentMessage: 'HTTP 403 from POST https://pubsub.googleapis.com/...',
    };
    const { deps } = harness(fakeEngine([{ iteration: 1, incidents: [incident] }]), fakeStacks());
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.failures[0]).to.equal(
      'the engine has 1 incident(s); first: failedJob at Activity_PublishEcho: HTTP 403 from POST https://pubsub.googleapis.com/...',
    );
  });

  it('waits through a cold start (503s) and passes', async () => {
    const engine = fakeEngine([{ iteration: 4 }]);
    // The first two looks get a 503 on their first request (a cold start behind Google's front end).
    let calls = 0;
    const flaky: AuthorizedGet = async (url) =>
      ++calls <= 2 ? { status: 503, body: 'Service Unavailable' } : engine.get(url);
    const stacks = fakeStacks();
    const { deps, lines } = harness({ ...engine, get: flaky }, stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.passed, result.failures.join('; ')).to.equal(true);
    expect(
      lines.filter((l) =>
        l.includes('did not answer as expected (listing the loop: HTTP 503 Service Unavailable); trying again'),
      ),
    ).to.have.length(2);
  });

  it('stops at once when the engine refuses the identity (403), with the role to grant', async () => {
    const { deps, clock } = harness(fakeEngine([{ status: 403 }]), fakeStacks());
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.failures[0]).to.match(/HTTP 403: the identity running the e2e needs roles\/run.invoker/);
    expect(clock.t).to.equal(0);
  });

  it('still destroys and removes the stack when up fails', async () => {
    const stacks = fakeStacks({
      up: new Error('update failed: googleapi: Error 403: Cloud SQL Admin API has not been used'),
    });
    const { deps, lines } = harness(fakeEngine([{}]), stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result).to.deep.include({ passed: false, destroyed: true });
    expect(result.failures).to.deep.equal([
      'update failed: googleapi: Error 403: Cloud SQL Admin API has not been used',
    ]);
    expect(stacks.calls).to.deep.include({ up: 1, destroy: 1, remove: 1 });
    expect(lines.some((l) => l.includes('3/5'))).to.equal(false);
  });

  it('cuts the very long errors of the Automation API, whose output was shown already', async () => {
    const stacks = fakeStacks({ up: new Error(`code: 255\n stdout: ${'x'.repeat(10_000)}`) });
    const { deps } = harness(fakeEngine([{}]), stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.failures[0])
      .to.have.length.below(2100)
      .and.match(/… \(cut; the whole output is above\)$/);
  });

  it('fails, and destroys, when the stack exports no loop (echo loop switched off)', async () => {
    const stacks = fakeStacks({ outputs: { engineUrl: ENGINE } });
    const { deps } = harness(fakeEngine([{}]), stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result.failures).to.deep.equal(['the stack exported no loopName: is the echo loop switched off?']);
    expect(stacks.calls.destroy).to.equal(1);
  });

  it('reports a failed destroy, keeps the stack for a manual destroy, and fails even when the loop passed', async () => {
    const stacks = fakeStacks({ destroy: new Error('Error 400: the database instance is being deleted') });
    const { deps, lines } = harness(fakeEngine([{ iteration: 4 }]), stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result).to.deep.include({ passed: false, destroyed: false, roundTrips: 3 });
    expect(result.failures).to.have.length(1);
    expect(result.failures[0]).to.contain('destroy failed: Error 400: the database instance is being deleted');
    expect(result.failures[0]).to.contain('pulumi destroy --stack e2e-test');
    expect(stacks.calls.remove).to.equal(0);
    expect(lines[lines.length - 1]).to.match(/^ {2}- destroy failed/);
  });

  it('reports a stack that could not be removed after a good destroy', async () => {
    const stacks = fakeStacks({ remove: new Error('stack has resources') });
    const { deps } = harness(fakeEngine([{ iteration: 4 }]), stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result).to.deep.include({ passed: false, destroyed: true });
    expect(result.failures[0]).to.contain('pulumi stack rm e2e-test');
  });

  it('does not destroy what was never created when the stack cannot be created', async () => {
    const stacks = fakeStacks({ create: new Error('the pulumi CLI is not on PATH') });
    const { deps } = harness(fakeEngine([{}]), stacks);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), deps);
    expect(result).to.deep.equal({
      passed: false,
      failures: ['creating the stack failed: the pulumi CLI is not on PATH'],
      roundTrips: 0,
      destroyed: true,
    });
    expect(stacks.calls).to.deep.include({ up: 0, destroy: 0 });
  });

  it('stops waiting when interrupted, and destroys', async () => {
    const interrupt = new AbortController();
    const stacks = fakeStacks();
    const engine = fakeEngine([{ iteration: 1 }]);
    const { deps } = harness(engine, stacks, interrupt.signal);
    const sleep = deps.sleep;
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), {
      ...deps,
      sleep: async (ms) => {
        interrupt.abort();
        await sleep(ms);
      },
    });
    expect(result.failures).to.deep.equal(['interrupted while waiting for the loop']);
    expect(stacks.calls.destroy).to.equal(1);
  });
});

describe('npm run e2e: options', () => {
  const now = new Date('2026-11-28T21:40:05Z');

  it('has defaults for all but the project, a unique stack and a short resource prefix', () => {
    const options = parseOptions(['--project', 'my-project-123'], {}, now, 'a1b2c3');
    expect(options).to.deep.equal({
      project: 'my-project-123',
      region: 'europe-west1',
      stackName: 'e2e-20261128-2140-a1b2c3',
      namePrefix: 'e2e-a1b2c3',
      roundTrips: 3,
      timeoutMs: 15 * 60_000,
      pollMs: 10_000,
      image: undefined,
      extraConfig: {},
    });
    // The stack program's own rule for namePrefix.
    expect(options?.namePrefix).to.match(/^[a-z](?:[a-z0-9-]{0,13}[a-z0-9])?$/);
    expect(parseOptions(['--project', 'my-project-123'], {})?.stackName).to.not.equal(
      parseOptions(['--project', 'my-project-123'], {})?.stackName,
    );
  });

  it('reads the environment, and lets arguments (also --flag=value) win', () => {
    const env = {
      E2E_GCP_PROJECT: 'env-project-1',
      E2E_GCP_REGION: 'us-central1',
      E2E_ROUND_TRIPS: '7',
      E2E_TIMEOUT_MINUTES: '30',
      E2E_STACK: 'ci-e2e',
    };
    const options = parseOptions(
      ['--round-trips=9', '--config', 'historyLevel=none', '--config=maxInstances=1'],
      env,
      now,
      'ffffff',
    );
    expect(options).to.deep.include({
      project: 'env-project-1',
      region: 'us-central1',
      roundTrips: 9,
      timeoutMs: 30 * 60_000,
      stackName: 'ci-e2e',
    });
    expect(options?.extraConfig).to.deep.equal({ historyLevel: 'none', maxInstances: '1' });
  });

  it('lists every problem at once', () => {
    expect(() =>
      parseOptions(
        [
          '--region',
          'Europe',
          '--round-trips',
          '0',
          '--image',
          'camunda:latest',
          '--config',
          'deletionProtection=true',
          '--nope',
        ],
        {},
        now,
      ),
    )
      .to.throw(OptionsError)
      .with.property('message')
      .that.contains('--nope: unknown option')
      .and.contains('--project: is required (--project or E2E_GCP_PROJECT)')
      .and.contains('--region: must be a GCP region')
      .and.contains('--round-trips: must be at least 1')
      .and.contains('--image: must reference the image by digest')
      .and.contains('--config deletionProtection=true: key must not be one the run sets itself');
  });

  it('takes a service account to impersonate for its engine requests (flag or environment), checked', () => {
    const sa = 'e2e-caller@my-project-123.iam.gserviceaccount.com';
    const fromFlag = parseOptions(['--project', 'my-project-123', '--impersonate-service-account', sa], {}, now);
    expect(fromFlag?.impersonateServiceAccount).to.equal(sa);
    const fromEnv = parseOptions(['--project', 'my-project-123'], { E2E_IMPERSONATE_SERVICE_ACCOUNT: sa }, now);
    expect(fromEnv?.impersonateServiceAccount).to.equal(sa);
    expect(() => parseOptions(['--project', 'my-project-123', '--impersonate-service-account=me@example.com'], {}, now))
      .to.throw(OptionsError)
      .with.property('message')
      .that.contains("--impersonate-service-account: must be a service account's email");
  });

  it('returns nothing for --help', () => {
    expect(parseOptions(['--help'], {})).to.equal(undefined);
  });

  it('configures a stack that can be destroyed completely', () => {
    const options = parseOptions(
      [
        '--project',
        'my-project-123',
        '--image',
        `europe-west1-docker.pkg.dev/p/r/camunda@sha256:${'a'.repeat(64)}`,
        '--config',
        'historyLevel=none',
      ],
      {},
      now,
      'a1b2c3',
    );
    expect(stackConfig(options as E2eOptions)).to.deep.equal({
      'gcp:project': 'my-project-123',
      'gcp:region': 'europe-west1',
      'camunda-serverless:namePrefix': 'e2e-a1b2c3',
      'camunda-serverless:deletionProtection': 'false',
      'camunda-serverless:databaseBackups': 'false',
      'camunda-serverless:echoLoop': 'true',
      'camunda-serverless:startLoop': 'true',
      'camunda-serverless:image': `europe-west1-docker.pkg.dev/p/r/camunda@sha256:${'a'.repeat(64)}`,
      'camunda-serverless:historyLevel': 'none',
    });
  });
});

describe('npm run e2e: the authorised GET', () => {
  const server = new HttpServer();
  let base: string;

  before(async () => {
    server.on('GET', '/text', {
      status: 503,
      headers: { 'content-type': 'text/html' },
      body: '<html>Service Unavailable</html>',
    });
    server.otherwise({ status: 200, headers: { 'content-type': 'application/json' }, body: '[{"id":"loop-0"}]' });
    await server.start();
    base = server.url;
  });
  after(() => server.close());

  it('sends an ID token for the engine URL, reuses it for half an hour, and parses JSON', async () => {
    const audiences: string[] = [];
    let t = 0;
    const get = idTokenGet(
      `${base}/`,
      async (audience) => (audiences.push(audience), SECRET_TOKEN),
      () => t,
    );
    expect(await get(`${base}/json`)).to.deep.equal({ status: 200, body: [{ id: 'loop-0' }] });
    t += 29 * 60_000;
    expect(await get(`${base}/text`)).to.deep.equal({ status: 503, body: '<html>Service Unavailable</html>' });
    t += 2 * 60_000;
    await get(`${base}/json`);
    expect(audiences).to.deep.equal([base, base]);
    expect(server.requests.map((request) => request.headers.authorization)).to.deep.equal([
      `Bearer ${SECRET_TOKEN}`,
      `Bearer ${SECRET_TOKEN}`,
      `Bearer ${SECRET_TOKEN}`,
    ]);
  });

  it('sends the token in X-Serverless-Authorization too, as the loop starter does (Cloud Run checks that one)', async () => {
    const seen = server.requests.length;
    const get = idTokenGet(base, async () => SECRET_TOKEN);
    await get(`${base}/json`);
    const [request] = server.requests.slice(seen);
    expect(request?.headers['x-serverless-authorization']).to.equal(`Bearer ${SECRET_TOKEN}`);
    expect(request?.headers.authorization).to.equal(`Bearer ${SECRET_TOKEN}`);
  });

  it('never prints the token: a whole run logs nothing of it', async () => {
    const stacks = fakeStacks();
    const lines: string[] = [];
    const get = idTokenGet(base, async () => SECRET_TOKEN);
    // The fake engine's answers, through a GET that really sends the token.
    const engine = fakeEngine([{ iteration: 4 }]);
    const result = await runE2e(OPTIONS, stackConfig(OPTIONS), {
      stacks: stacks.stacks,
      engineClient: () => async (url) => (await get(`${base}/json`), engine.get(url)),
      now: () => 0,
      sleep: async () => undefined,
      log: (line) => lines.push(line),
    });
    expect(result.passed).to.equal(true);
    expect(lines.join('\n')).to.not.contain('secret-id-token');
  });
});
