// The metric waiter against a fake Cloud Monitoring API on a real local HTTP server: it polls until
// the descriptor exists, waits out 404s and transient errors, gives up at once on 403 with the
// reason, fails clearly at its deadline, and still works after Pulumi serialized it. The propagation
// delay waits on create and when its trigger changes.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import * as ts from 'typescript';
import { HttpServer, type Route } from '../../devkit/http-server';
import {
  diffMetricWaiter,
  metricDescriptorUrl,
  type MetricWaiterDeps,
  waitForMetricDescriptor,
} from '../../components/metric-waiter';
import { propagationDelayProvider } from '../../components/propagation-delay';

const METRIC = { project: 'test-project', metricType: 'logging.googleapis.com/user/camunda-dev-echo-deliveries' };
const DESCRIPTOR_PATH =
  '/v3/projects/test-project/metricDescriptors/logging.googleapis.com%2Fuser%2Fcamunda-dev-echo-deliveries';

/** Deps on `server` with a clock that advances by each sleep, so deadlines need no real waiting. */
function fakeDeps(
  server: HttpServer,
  overrides: Partial<MetricWaiterDeps> = {},
): MetricWaiterDeps & { slept: number[] } {
  let clock = 0;
  const slept: number[] = [];
  return {
    fetch: (url, init) => fetch(url, init),
    accessToken: async () => 'test-access-token',
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    now: () => clock,
    baseUrl: server.url,
    deadlineMs: 60_000,
    intervalMs: 10_000,
    slept,
    ...overrides,
  };
}

describe('metric waiter: polling the Monitoring API for a log-based metric', () => {
  let server: HttpServer;
  let descriptor: Route;
  before(async () => {
    server = await new HttpServer().start();
    descriptor = server.on('GET', DESCRIPTOR_PATH, { status: 404 });
  });
  after(() => server.close());
  beforeEach(() => server.reset());

  it('asks for the descriptor by its encoded type, with the access token', async () => {
    descriptor.script = { status: 200, body: { type: METRIC.metricType } };
    expect(metricDescriptorUrl('https://monitoring.googleapis.com/', 'p', 'a/b')).to.equal(
      'https://monitoring.googleapis.com/v3/projects/p/metricDescriptors/a%2Fb',
    );
    const deps = fakeDeps(server);
    expect(await waitForMetricDescriptor(METRIC, deps)).to.deep.equal({ polls: 1 });
    const [request] = server.requestsTo(DESCRIPTOR_PATH);
    expect(request?.headers.authorization).to.equal('Bearer test-access-token');
    expect(deps.slept).to.deep.equal([]);
  });

  it('tolerates 404 (not known yet), 503 and a dropped connection, then finds it', async () => {
    descriptor.script = { status: 200, body: {} };
    descriptor.enqueue(
      { status: 404, body: { error: { message: 'Could not find descriptor' } } },
      { status: 503 },
      'drop',
      {
        status: 404,
      },
    );
    const deps = fakeDeps(server, { deadlineMs: 10 * 60_000 });
    expect((await waitForMetricDescriptor(METRIC, deps)).polls).to.equal(5);
    expect(deps.slept).to.deep.equal([10_000, 10_000, 10_000, 10_000]);
  });

  it('fails clearly at its deadline, naming the metric and what to do', async () => {
    descriptor.script = { status: 404 };
    const deps = fakeDeps(server, { deadlineMs: 15 * 60_000 });
    let message = '';
    await waitForMetricDescriptor(METRIC, deps).catch((err: Error) => (message = err.message));
    expect(message).to.include(`the metric ${METRIC.metricType} of project test-project did not appear`);
    expect(message).to.include('within 15 minutes');
    expect(message).to.include("run 'pulumi up' again");
    expect(deps.now()).to.be.at.most(15 * 60_000);
    expect(server.requestsTo(DESCRIPTOR_PATH).length).to.be.greaterThan(1);
  });

  it('gives up at once on 403, with the reason', async () => {
    descriptor.script = { status: 403, body: { error: { message: 'Permission denied' } } };
    const deps = fakeDeps(server);
    let message = '';
    await waitForMetricDescriptor(METRIC, deps).catch((err: Error) => (message = err.message));
    expect(message).to.match(/refused .* \(HTTP 403: .*Permission denied/);
    expect(message).to.include('monitoring.metricDescriptors.get');
    expect(server.requestsTo(DESCRIPTOR_PATH)).to.have.length(1);
    expect(deps.slept).to.deep.equal([]);
  });

  it('says so when there is no access token', async () => {
    const deps = fakeDeps(server, {
      accessToken: async () => {
        throw new Error('Could not load the default credentials');
      },
    });
    let message = '';
    await waitForMetricDescriptor(METRIC, deps).catch((err: Error) => (message = err.message));
    expect(message).to.include(
      'cannot get an access token for Cloud Monitoring (Could not load the default credentials)',
    );
  });

  it('waits again only for another project or metric', () => {
    expect(diffMetricWaiter(METRIC, METRIC).changes).to.equal(false);
    expect(diffMetricWaiter(METRIC, { ...METRIC, metricType: 'logging.googleapis.com/user/other' })).to.deep.include({
      changes: true,
      replaces: ['metricType'],
    });
  });

  it('works after Pulumi serialized it, compiled by TypeScript as `pulumi up` loads it', async () => {
    descriptor.script = { status: 200, body: {} };
    descriptor.enqueue({ status: 404 });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'metric-waiter-'));
    try {
      const source = fs.readFileSync(path.join(__dirname, '..', '..', 'components', 'metric-waiter.ts'), 'utf8');
      const compiled = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      const modulePath = path.join(tmp, 'metric-waiter-tsc.js');
      fs.writeFileSync(modulePath, compiled.outputText);
      const compiledModule = require(modulePath) as typeof import('../../components/metric-waiter');
      const defaults = await pulumi.runtime.serializeFunction(() => compiledModule.metricWaiterProvider(), {
        allowSecrets: true,
      });
      expect(defaults.text).to.not.match(/__esModule/);
      // The same provider with the fake API's deps, serialized and loaded afresh.
      const baseUrl = server.url;
      const provider = compiledModule.metricWaiterProvider(() => ({
        ...compiledModule.defaultMetricWaiterDeps(),
        baseUrl,
        accessToken: async () => 'token',
        intervalMs: 1,
      }));
      const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      const target = path.join(tmp, 'serialized.js');
      fs.writeFileSync(target, serialized.text);
      const loaded = (require(target) as { handler: () => pulumi.dynamic.ResourceProvider }).handler();
      const created = await loaded.create!({ ...METRIC, __provider: 'serialized text' });
      expect(created).to.deep.equal({ id: `test-project/${METRIC.metricType}`, outs: METRIC });
      expect(server.requestsTo(DESCRIPTOR_PATH)).to.have.length(2);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('propagation delay: time for an IAM grant to take effect', () => {
  it('waits its seconds on create, and again only when the trigger changes', async () => {
    const slept: number[] = [];
    const provider = propagationDelayProvider(async (ms) => void slept.push(ms));
    const created = await provider.create!({ seconds: 120, trigger: 'grant-1' });
    expect(slept).to.deep.equal([120_000]);
    expect((await provider.diff!(created.id, created.outs, { seconds: 120, trigger: 'grant-1' })).changes).to.equal(
      false,
    );
    expect(await provider.diff!(created.id, created.outs, { seconds: 120, trigger: 'grant-2' })).to.deep.include({
      changes: true,
      replaces: ['trigger'],
    });
    expect((await provider.check!({}, { seconds: 601, trigger: 'x' })).failures).to.have.length(1);
  });
});
