// src/index.ts in its own process, configured by environment variables as when deployed: the
// registered `echo` target on the worker library, its stdout log lines, its start-up validation and
// its ID tokens.
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binaryEvent,
  echoAttributes,
  echoData,
  encodeData,
  pubsubMessage,
  type FunctionRequest,
} from './support/events';
import { FakeEngine } from '../../worker/test/support/fake-engine';
import { FakeMetadataServer, metadataEnv } from '../../worker/test/support/fake-metadata';

const LAUNCHER = join(__dirname, 'support', 'serve-entry-point.ts');

interface EntryPoint {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  port?: number;
}

/** Starts the launcher with only the given variables (plus PATH), so nothing leaks in from here. */
function startEntryPoint(env: Record<string, string>): EntryPoint {
  const child = fork(LAUNCHER, [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const entry: EntryPoint = {
    child,
    stdout: [],
    stderr: [],
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
  const collect = (into: string[]) => (chunk: Buffer) =>
    into.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect(entry.stdout));
  child.stderr!.on('data', collect(entry.stderr));
  return entry;
}

async function whenListening(entry: EntryPoint): Promise<number> {
  const port = await Promise.race([
    new Promise<number>((resolve) => entry.child.once('message', (message: { port: number }) => resolve(message.port))),
    entry.exited.then((code) => Promise.reject(new Error(`entry point exited (${code}): ${entry.stderr.join('\n')}`))),
  ]);
  entry.port = port;
  return port;
}

async function stop(entry: EntryPoint | undefined): Promise<void> {
  if (!entry || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
  entry.child.kill();
  await entry.exited;
}

async function post(entry: EntryPoint, request: FunctionRequest): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${entry.port}${request.path}`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** stdout lines that are JSON objects, parsed. */
function jsonLines(entry: EntryPoint): Array<Record<string, unknown>> {
  return entry.stdout.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The child's stdout can reach us after its HTTP answer: wait for the expected number of lines. */
async function logLines(entry: EntryPoint, count: number): Promise<Array<Record<string, unknown>>> {
  for (const deadline = Date.now() + 5_000; jsonLines(entry).length < count && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return jsonLines(entry);
}

describe('echo-function entry point (src/index.ts in a child process)', function () {
  this.timeout(30_000);
  const engine = new FakeEngine();
  const metadata = new FakeMetadataServer();
  let entry: EntryPoint | undefined;
  let emptyDir: string;

  before(async () => {
    await engine.start();
    await metadata.start();
    emptyDir = mkdtempSync(join(tmpdir(), 'echo-fn-gcloud-'));
  });
  after(async () => {
    await engine.close();
    await metadata.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    engine.reset();
    metadata.requests.length = 0;
  });
  afterEach(async () => {
    await stop(entry);
    entry = undefined;
  });

  it('registers `echo`, replies without credentials locally and logs one JSON line on stdout', async () => {
    entry = startEntryPoint({ ENGINE_URL: engine.url });
    await whenListening(entry);
    const data = echoData();
    const message = pubsubMessage(encodeData(data), echoAttributes());
    expect(await post(entry, binaryEvent(message))).to.equal(204);
    expect(engine.requests).to.have.length(1);
    expect(engine.requests[0]!.headers.authorization).to.equal(undefined);
    const lines = await logLines(entry, 1);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({
      severity: 'INFO',
      outcome: 'completed',
      taskType: 'echo',
      messageId: message.messageId,
      requestId: data.requestId,
      loop: 'test-loop',
      iteration: 7,
    });
    expect(lines[0]!.roundTripMs).to.be.a('number');
  });

  it('acks an invalid message with an ERROR line and answers 500 with a WARNING line when the engine is down', async () => {
    entry = startEntryPoint({ ENGINE_URL: engine.url, ENGINE_TIMEOUT_MS: '500' });
    await whenListening(entry);
    expect(await post(entry, binaryEvent(pubsubMessage('%%%')))).to.equal(204);
    engine.answer = () => ({ status: 503 });
    expect(await post(entry, binaryEvent(pubsubMessage(encodeData(echoData()))))).to.equal(500);
    expect((await logLines(entry, 2)).map((line) => [line.outcome, line.severity])).to.deep.equal([
      ['invalid', 'ERROR'],
      ['retry', 'WARNING'],
    ]);
  });

  it('on Google Cloud (K_SERVICE set) sends an ID token for ENGINE_URL from the metadata server', async () => {
    entry = startEntryPoint({ ENGINE_URL: engine.url, K_SERVICE: 'echo', ...metadataEnv(metadata.host, emptyDir) });
    await whenListening(entry);
    expect(await post(entry, binaryEvent(pubsubMessage(encodeData(echoData()))))).to.equal(204);
    expect(await post(entry, binaryEvent(pubsubMessage(encodeData(echoData()))))).to.equal(204);
    expect(metadata.identityRequests().map((request) => request.audience)).to.deep.equal([engine.url]);
    const authorizations = engine.requests.map((request) => request.headers.authorization);
    expect(authorizations).to.have.length(2);
    expect(authorizations[0]).to.match(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(authorizations[1]).to.equal(authorizations[0]);
    expect(engine.requests.map((request) => request.headers['x-serverless-authorization'])).to.deep.equal(
      authorizations,
    );
    await logLines(entry, 2);
    expect(entry.stdout.join('\n')).not.to.contain(authorizations[0]!.slice('Bearer '.length));
  });

  it('refuses to start without ENGINE_URL, naming the variable', async () => {
    entry = startEntryPoint({});
    const code = await entry.exited;
    expect(code).to.not.equal(0);
    expect(entry.stderr.join('\n')).to.contain('ENGINE_URL is required');
  });

  it('refuses to start with a malformed ENGINE_TIMEOUT_MS, naming the variable', async () => {
    entry = startEntryPoint({ ENGINE_URL: engine.url, ENGINE_TIMEOUT_MS: 'soon' });
    expect(await entry.exited).to.not.equal(0);
    expect(entry.stderr.join('\n')).to.contain('ENGINE_TIMEOUT_MS');
  });
});
