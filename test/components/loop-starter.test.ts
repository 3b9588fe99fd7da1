// The loop starter: idempotent start, cancel on destroy, auth headers, retries, diff semantics, and
// that the provider still works after Pulumi serialized it (it runs in another process then).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import fc from 'fast-check';
import * as ts from 'typescript';
import {
  cancelLoop,
  diffLoopStarter,
  ensureLoopRunning,
  googleIdToken,
  loopStarterProvider,
  type GoogleAuthLibraryLike,
  type IdTokenSources,
  type LoopStarterDeps,
  type LoopStarterInputs,
  type LoopStarterState,
} from '../../components/loop-starter';
import { expect } from 'chai';
import { FakeEngine } from './support/fake-engine';

const ENGINE_URL = 'https://camunda-dev-engine-abcdefghij-ew.a.run.app';

function inputs(overrides: Partial<LoopStarterInputs> = {}): LoopStarterInputs {
  return {
    engineUrl: ENGINE_URL,
    loopName: 'echo',
    project: 'test-project',
    topic: 'camunda-dev-echo',
    processDefinitionKey: 'EchoLoop',
    auth: 'id-token',
    ...overrides,
  };
}

function deps(engine: FakeEngine, audiences: string[] = [], overrides: Partial<LoopStarterDeps> = {}): LoopStarterDeps {
  return {
    fetch: engine.fetch,
    idToken: async (audience) => {
      audiences.push(audience);
      return 'id-token-for-tests';
    },
    sleep: async () => undefined,
    attempts: 4,
    backoffMs: 1,
    timeoutMs: 5_000,
    ...overrides,
  };
}

describe('loop starter: starting and cancelling the echo loop', () => {
  it('starts the EchoLoop process with the loop name as business key and project/topic variables', async () => {
    const engine = new FakeEngine();
    const result = await ensureLoopRunning(inputs(), deps(engine));
    expect(result.started).to.equal(true);
    const [instance] = engine.running('echo');
    expect(instance?.id).to.equal(result.processInstanceId);
    expect(instance?.definitionKey).to.equal('EchoLoop');
    expect(instance?.variables).to.deep.equal({
      project: { value: 'test-project', type: 'String' },
      topic: { value: 'camunda-dev-echo', type: 'String' },
    });
    const post = engine.requests.find((r) => r.method === 'POST');
    expect(post?.path).to.equal('/engine-rest/process-definition/key/EchoLoop/start');
    expect(post?.headers['content-type']).to.equal('application/json');
  });

  it('looks before it starts: running it twice leaves exactly one loop', async () => {
    const engine = new FakeEngine();
    const first = await ensureLoopRunning(inputs(), deps(engine));
    const second = await ensureLoopRunning(inputs(), deps(engine));
    expect(second).to.deep.equal({ processInstanceId: first.processInstanceId, started: false });
    expect(engine.running('echo')).to.have.length(1);
    const list = engine.requests.filter((r) => r.method === 'GET');
    expect(list).to.have.length(2);
    expect(list[0]?.path).to.equal('/engine-rest/process-instance?processDefinitionKey=EchoLoop&businessKey=echo');
  });

  it('adopts a loop that someone else started instead of starting a second', async () => {
    const engine = new FakeEngine();
    const existing = engine.startDirectly('EchoLoop', 'echo');
    const result = await ensureLoopRunning(inputs(), deps(engine));
    expect(result).to.deep.equal({ processInstanceId: existing.id, started: false });
    expect(engine.requests.some((r) => r.method === 'POST')).to.equal(false);
  });

  it('keeps loops apart by business key', async () => {
    const engine = new FakeEngine();
    await ensureLoopRunning(inputs({ loopName: 'echo' }), deps(engine));
    await ensureLoopRunning(inputs({ loopName: 'echo-2' }), deps(engine));
    expect(engine.running('echo')).to.have.length(1);
    expect(engine.running('echo-2')).to.have.length(1);
  });

  it('cancels every running instance of the loop, skipping listeners and IO mappings', async () => {
    const engine = new FakeEngine();
    engine.startDirectly('EchoLoop', 'echo');
    engine.startDirectly('EchoLoop', 'echo');
    const other = engine.startDirectly('EchoLoop', 'other');
    const cancelled = await cancelLoop(inputs(), deps(engine));
    expect(cancelled).to.have.length(2);
    expect(engine.running('echo')).to.have.length(0);
    expect(engine.instances.has(other.id)).to.equal(true);
    const deletes = engine.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).to.deep.equal(
      cancelled.map((id) => `/engine-rest/process-instance/${id}?skipCustomListeners=true&skipIoMappings=true`),
    );
  });

  it('treats an instance that vanished between list and delete as cancelled (404)', async () => {
    const engine = new FakeEngine();
    const instance = engine.startDirectly('EchoLoop', 'echo');
    const racing = deps(engine);
    const fetchThenVanish: LoopStarterDeps['fetch'] = async (url, init) => {
      if (init.method === 'DELETE') engine.instances.delete(instance.id);
      return engine.fetch(url, init);
    };
    const cancelled = await cancelLoop(inputs(), { ...racing, fetch: fetchThenVanish });
    expect(cancelled).to.deep.equal([instance.id]);
  });

  it('cancelling a loop that is not running does nothing', async () => {
    const engine = new FakeEngine();
    expect(await cancelLoop(inputs(), deps(engine))).to.deep.equal([]);
    expect(engine.requests.filter((r) => r.method === 'DELETE')).to.have.length(0);
  });
});

describe('loop starter: authentication', () => {
  it('sends a Google ID token whose audience is the engine URL', async () => {
    const engine = new FakeEngine();
    engine.requiredBearer = 'id-token-for-tests';
    const audiences: string[] = [];
    await ensureLoopRunning(inputs({ engineUrl: `${ENGINE_URL}/` }), deps(engine, audiences));
    expect(audiences).to.deep.equal([ENGINE_URL]);
    for (const request of engine.requests) expect(request.headers.authorization).to.equal('Bearer id-token-for-tests');
  });

  it('sends the token in X-Serverless-Authorization (for Cloud Run) and Authorization (for the engine)', async () => {
    const engine = new FakeEngine();
    engine.requiredBearer = 'id-token-for-tests';
    await ensureLoopRunning(inputs(), deps(engine));
    expect(engine.running('echo')).to.have.length(1);
    for (const request of engine.requests) {
      expect(request.headers['x-serverless-authorization']).to.equal('Bearer id-token-for-tests');
      expect(request.headers.authorization).to.equal('Bearer id-token-for-tests');
    }
  });

  it('with Camunda basic auth, sends Basic credentials and the ID token in X-Serverless-Authorization', async () => {
    const engine = new FakeEngine();
    engine.requiredBearer = 'id-token-for-tests';
    engine.requiredBasic = 'admin:s3cret';
    await ensureLoopRunning(inputs({ basicAuthUser: 'admin', basicAuthPassword: 's3cret' }), deps(engine));
    expect(engine.running('echo')).to.have.length(1);
    const [request] = engine.requests;
    expect(request?.headers['x-serverless-authorization']).to.equal('Bearer id-token-for-tests');
    expect(request?.headers.authorization).to.match(/^Basic /);
  });

  it("sends no token with auth 'none' and never asks for one", async () => {
    const engine = new FakeEngine();
    const audiences: string[] = [];
    await ensureLoopRunning(inputs({ auth: 'none' }), deps(engine, audiences));
    expect(audiences).to.deep.equal([]);
    expect(engine.requests[0]?.headers.authorization).to.equal(undefined);
  });

  it('explains a 403: the deployer needs run.invoker on the engine', async () => {
    const engine = new FakeEngine();
    engine.requiredBearer = 'a-different-token';
    const error = await ensureLoopRunning(inputs(), deps(engine)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/HTTP 403.*roles\/run\.invoker/);
    expect(error?.message).to.match(/set impersonateServiceAccount/);
  });

  it('explains a 401 from an engine that verifies callers, naming the impersonated account', async () => {
    const engine = new FakeEngine();
    engine.faults.push(401);
    const sa = 'starter@test-project.iam.gserviceaccount.com';
    const error = await ensureLoopRunning(inputs({ impersonateServiceAccount: sa }), deps(engine)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/HTTP 401/);
    expect(error?.message).to.include(`${sa} needs roles/run.invoker`);
    expect(error?.message).to.match(/REST_AUTH=google/);
  });
});

/** A stand-in for google-auth-library that records how it is used. */
function fakeAuthLibrary(behaviour: { impersonated?: () => Promise<unknown>; direct?: () => Promise<unknown> } = {}) {
  const calls: string[] = [];
  const sourceClient = { kind: 'adc-client' };
  const library: GoogleAuthLibraryLike = {
    GoogleAuth: class {
      constructor(private readonly options?: { scopes?: string[] }) {}
      async getClient() {
        calls.push(`getClient scopes=${String(this.options?.scopes)}`);
        return sourceClient;
      }
      async getIdTokenClient(audience: string) {
        calls.push(`getIdTokenClient ${audience}`);
        return {
          idTokenProvider: {
            fetchIdToken: async (aud: string) => (
              calls.push(`direct ${aud}`),
              (behaviour.direct ?? (async () => 'direct-token'))()
            ),
          },
        };
      }
    },
    Impersonated: class {
      constructor(options: {
        sourceClient: unknown;
        targetPrincipal: string;
        targetScopes: string[];
        lifetime: number;
      }) {
        expect(options.sourceClient).to.equal(sourceClient);
        calls.push(`impersonate ${options.targetPrincipal} scopes=${String(options.targetScopes)}`);
      }
      async fetchIdToken(audience: string, options: { includeEmail: boolean }) {
        calls.push(`impersonated ${audience} includeEmail=${String(options.includeEmail)}`);
        return (behaviour.impersonated ?? (async () => 'impersonated-token'))();
      }
    },
  };
  return { library, calls };
}

function sources(library: GoogleAuthLibraryLike | (() => never), gcloud: () => string = () => ''): IdTokenSources {
  return { library: typeof library === 'function' ? library : () => library, gcloudToken: gcloud };
}

describe('loop starter: where the ID token comes from', () => {
  const sa = 'starter@test-project.iam.gserviceaccount.com';
  const failing = (message: string) => async (): Promise<never> => {
    throw new Error(message);
  };

  it("with impersonateServiceAccount, asks for that account's token with the engine URL as audience and its email", async () => {
    const { library, calls } = fakeAuthLibrary();
    const token = await googleIdToken(
      ENGINE_URL,
      sa,
      sources(library, () => expect.fail('no gcloud')),
    );
    expect(token).to.equal('impersonated-token');
    expect(calls).to.deep.equal([
      'getClient scopes=https://www.googleapis.com/auth/cloud-platform',
      `impersonate ${sa} scopes=https://www.googleapis.com/auth/cloud-platform`,
      `impersonated ${ENGINE_URL} includeEmail=true`,
    ]);
  });

  it('an impersonation that fails says which role and API it needs, and never falls back to another identity', async () => {
    const { library } = fakeAuthLibrary({
      impersonated: failing('Permission iam.serviceAccounts.getOpenIdToken denied'),
    });
    let gcloudAsked = false;
    const error = await googleIdToken(
      ENGINE_URL,
      sa,
      sources(library, () => ((gcloudAsked = true), 'gcloud-token')),
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(gcloudAsked).to.equal(false);
    expect(error?.message).to.include(`as ${sa} (Permission iam.serviceAccounts.getOpenIdToken denied)`);
    expect(error?.message).to.include(`roles/iam.serviceAccountTokenCreator on ${sa}`);
    expect(error?.message).to.include('iamcredentials.googleapis.com');
  });

  it("without it, the deployer's credentials mint the token; gcloud's is the fallback", async () => {
    const { library, calls } = fakeAuthLibrary();
    expect(await googleIdToken(ENGINE_URL, undefined, sources(library))).to.equal('direct-token');
    expect(calls).to.deep.equal([`getIdTokenClient ${ENGINE_URL}`, `direct ${ENGINE_URL}`]);
    const federated = fakeAuthLibrary({ direct: failing('Cannot fetch ID token in this environment') });
    expect(
      await googleIdToken(
        ENGINE_URL,
        undefined,
        sources(federated.library, () => 'gcloud-token'),
      ),
    ).to.equal('gcloud-token');
  });

  it('when nothing gives a token, the error names the reason and impersonation as the way out', async () => {
    const { library } = fakeAuthLibrary({ direct: failing('Cannot fetch ID token in this environment') });
    const noGcloud = (): string => {
      throw new Error('spawn gcloud ENOENT');
    };
    const error = await googleIdToken(ENGINE_URL, undefined, sources(library, noGcloud)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.include(`for ${ENGINE_URL} (Cannot fetch ID token in this environment)`);
    expect(error?.message).to.match(/impersonateServiceAccount.*workload identity federation/);
  });

  it('a missing google-auth-library gives the same clear error, not a crash at require', async () => {
    const missing = (): never => {
      throw new Error("Cannot find module 'google-auth-library'");
    };
    for (const impersonate of [undefined, sa]) {
      const error = await googleIdToken(ENGINE_URL, impersonate, sources(missing)).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).to.match(
        /^cannot obtain a Google ID token for .*Cannot find module 'google-auth-library'/,
      );
    }
  });

  it('the provider builds its dependencies from the inputs, impersonated account included', async () => {
    const engine = new FakeEngine();
    const seen: Array<string | undefined> = [];
    const provider = loopStarterProvider((given) => (seen.push(given.impersonateServiceAccount), deps(engine)));
    const created = await provider.create!(inputs({ impersonateServiceAccount: sa }));
    expect(created.outs.impersonateServiceAccount).to.equal(sa);
    await provider.delete!(created.id, created.outs);
    expect(seen).to.deep.equal([sa, sa]);
  });
});

describe('loop starter: failures', () => {
  it('retries 429, 5xx and network errors, then succeeds', async () => {
    const engine = new FakeEngine();
    engine.faults.push(503, 429);
    let networkErrors = 1;
    const flaky: LoopStarterDeps['fetch'] = async (url, init) => {
      if (networkErrors-- > 0) throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
      return engine.fetch(url, init);
    };
    const delays: number[] = [];
    const result = await ensureLoopRunning(
      inputs(),
      deps(engine, [], { fetch: flaky, attempts: 5, backoffMs: 100, sleep: async (ms) => void delays.push(ms) }),
    );
    expect(result.started).to.equal(true);
    expect(delays).to.deep.equal([100, 200, 400]);
    expect(engine.running('echo')).to.have.length(1);
  });

  it('gives up after the configured attempts with the last problem in the message', async () => {
    const engine = new FakeEngine();
    engine.faults.push(503, 503, 503, 503);
    const error = await ensureLoopRunning(inputs(), deps(engine, [], { attempts: 3 })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/failed after 3 attempts: HTTP 503/);
  });

  it('does not retry a 404 on start and says the process may not be deployed', async () => {
    const engine = new FakeEngine();
    engine.definitions.clear();
    const error = await ensureLoopRunning(inputs(), deps(engine)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/HTTP 404 \(is the EchoLoop process deployed/);
    expect(engine.requests.filter((r) => r.method === 'POST')).to.have.length(1);
  });
});

describe('loop starter: the dynamic provider', () => {
  const state = (o: Partial<LoopStarterState> = {}): LoopStarterState => ({
    ...inputs(),
    processInstanceId: 'pi-1',
    ...o,
  });

  it('reports no change for identical inputs: a second `pulumi up` does nothing', () => {
    const result = diffLoopStarter(state(), inputs());
    expect(result.changes).to.equal(false);
  });

  for (const key of ['loopName', 'project', 'topic', 'processDefinitionKey', 'restartToken'] as const) {
    it(`replaces (cancel first, then start) when ${key} changes`, () => {
      const result = diffLoopStarter(state(), inputs({ [key]: 'changed' }));
      expect(result).to.deep.include({ changes: true, replaces: [key], deleteBeforeReplace: true });
    });
  }

  for (const key of ['engineUrl', 'auth', 'basicAuthUser', 'basicAuthPassword', 'impersonateServiceAccount'] as const) {
    it(`updates in place when ${key} changes (the loop lives in the database, not the service)`, () => {
      const value = key === 'auth' ? 'none' : key === 'engineUrl' ? 'https://elsewhere.a.run.app' : 'changed';
      const result = diffLoopStarter(state(), inputs({ [key]: value }));
      expect(result.changes).to.equal(true);
      expect(result.replaces).to.deep.equal([]);
    });
  }

  it('check rejects an engine URL and a loop name that cannot work', async () => {
    const provider = loopStarterProvider();
    const result = await provider.check!({}, inputs({ engineUrl: 'camunda.example', loopName: '1 bad name' }));
    expect(result.failures?.map((f) => f.property)).to.deep.equal(['engineUrl', 'loopName']);
  });

  it('check wants a service account email to impersonate, and a token to send', async () => {
    const provider = loopStarterProvider();
    const sa = 'starter@test-project.iam.gserviceaccount.com';
    const bad = await provider.check!({}, inputs({ impersonateServiceAccount: 'someone@example.com' }));
    expect(bad.failures?.map((f) => f.property)).to.deep.equal(['impersonateServiceAccount']);
    expect(bad.failures?.[0]?.reason).to.match(/service account's email/);
    const none = await provider.check!({}, inputs({ auth: 'none', impersonateServiceAccount: sa }));
    expect(none.failures?.[0]?.reason).to.match(/needs auth 'id-token'/);
    const good = await provider.check!({}, inputs({ impersonateServiceAccount: sa }));
    expect(good.failures).to.deep.equal([]);
    const unknown = pulumi.runtime.unknownValue as string;
    expect((await provider.check!({}, inputs({ impersonateServiceAccount: unknown }))).failures).to.deep.equal([]);
  });

  it('check lets values that are unknown during a preview pass', async () => {
    const provider = loopStarterProvider();
    const unknown = pulumi.runtime.unknownValue as string;
    const result = await provider.check!({}, inputs({ engineUrl: unknown }));
    expect(result.failures).to.deep.equal([]);
  });

  it('create/update/delete: one loop after create and update, none after delete; state holds no provider', async () => {
    const engine = new FakeEngine();
    const provider = loopStarterProvider(() => deps(engine));
    const created = await provider.create!({ ...inputs(), __provider: 'serialized text' } as LoopStarterInputs);
    expect(created.id).to.equal('EchoLoop/echo');
    expect(created.outs).to.not.have.property('__provider');
    expect(created.outs.processInstanceId).to.equal(engine.running('echo')[0]?.id);
    const updated = await provider.update!(
      created.id,
      created.outs,
      inputs({ engineUrl: 'https://camunda-dev-engine-redeployed-ew.a.run.app' }),
    );
    expect(updated.outs?.processInstanceId).to.equal(created.outs.processInstanceId);
    expect(engine.running('echo')).to.have.length(1);
    await provider.delete!(created.id, created.outs);
    expect(engine.running('echo')).to.have.length(0);
  });

  it('any sequence of up, lost-state up, destroy and outside cancels keeps at most one loop (model check)', async () => {
    const op = fc.constantFrom('up', 'up-after-lost-state', 'destroy', 'cancelled-outside');
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const engine = new FakeEngine();
        const provider = loopStarterProvider(() => deps(engine));
        let recorded: LoopStarterState | undefined;
        for (const step of ops) {
          if (step === 'up' && recorded) {
            // Same inputs: Pulumi's diff says nothing changed and the provider is not called.
            expect(diffLoopStarter(recorded, inputs()).changes).to.equal(false);
          } else if (step === 'up' || step === 'up-after-lost-state') {
            recorded = (await provider.create!(inputs())).outs as LoopStarterState;
          } else if (step === 'destroy' && recorded) {
            await provider.delete!('EchoLoop/echo', recorded);
            recorded = undefined;
          } else if (step === 'cancelled-outside') {
            engine.instances.clear();
          }
          expect(engine.running('echo').length).to.be.at.most(1);
          if (step === 'destroy') expect(engine.running('echo')).to.have.length(0);
          if (step === 'up-after-lost-state') expect(engine.running('echo')).to.have.length(1);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('loop starter: after serialization (as Pulumi runs it)', () => {
  let server: { url: string; close: () => Promise<void> };
  const engine = new FakeEngine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-starter-'));

  before(async () => {
    server = await engine.listen();
  });
  after(async () => {
    await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => engine.instances.clear());

  /** Loads serialized provider text the way the dynamic provider host does (a fresh module). */
  function loadSerialized(text: string, file: string): pulumi.dynamic.ResourceProvider {
    const target = path.join(tmp, file);
    fs.writeFileSync(target, text);
    const loaded = require(target) as { handler: () => pulumi.dynamic.ResourceProvider };
    return loaded.handler();
  }

  async function roundTrip(provider: pulumi.dynamic.ResourceProvider): Promise<void> {
    const loop = inputs({ engineUrl: server.url, auth: 'none' });
    const created = await provider.create!(loop);
    const again = await provider.create!(loop);
    expect(again.outs.processInstanceId).to.equal(created.outs.processInstanceId);
    expect(engine.running('echo')).to.have.length(1);
    await provider.delete!(created.id, created.outs);
    expect(engine.running('echo')).to.have.length(0);
  }

  it('the provider as this process loaded it works against a real HTTP engine', async () => {
    // What pulumi.dynamic.Resource does: serialize a closure over the provider object.
    const provider = loopStarterProvider();
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    await roundTrip(loadSerialized(serialized.text, 'as-loaded.js'));
  });

  it('the provider compiled by TypeScript to CommonJS (as `pulumi up` loads it) serializes and works', async () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'components', 'loop-starter.ts'), 'utf8');
    const compiled = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const modulePath = path.join(tmp, 'loop-starter-tsc.js');
    fs.writeFileSync(modulePath, compiled.outputText);
    const compiledModule = require(modulePath) as { loopStarterProvider: () => pulumi.dynamic.ResourceProvider };
    const provider = compiledModule.loopStarterProvider();
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    // Nothing of the module object leaks in: only the functions the provider calls.
    expect(serialized.text).to.not.match(/__esModule/);
    await roundTrip(loadSerialized(serialized.text, 'from-tsc.js'));
  });
});
