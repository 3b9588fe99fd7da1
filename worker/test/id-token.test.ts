// The default ID token path: a worker with ENGINE_AUTH=id-token and no idTokens option gets its tokens
// from Application Default Credentials (google-auth-library), pointed at a fake metadata server.
import * as functions from '@google-cloud/functions-framework';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { pushWorker } from '../src/worker';
import { binaryEvent, encodeData, pubsubMessage, taskData, TASK_TYPE } from './support/events';
import { FakeEngine } from './support/fake-engine';
import { FakeMetadataServer, metadataEnv } from './support/fake-metadata';
import { FunctionServer } from './support/function-server';
import { LogCapture } from './support/log-capture';

const FUNCTION_NAME = 'push-worker-id-token-under-test';
const CREDENTIAL_VARIABLES = ['GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_IP'];

describe('push worker ID tokens from the metadata server', () => {
  const metadata = new FakeMetadataServer();
  const engine = new FakeEngine();
  const logs = new LogCapture();
  const saved = new Map<string, string | undefined>();
  let emptyDir: string;
  let server: FunctionServer;

  const setEnv = (name: string, value: string | undefined) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  before(async () => {
    await Promise.all([metadata.start(), engine.start()]);
    emptyDir = mkdtempSync(join(tmpdir(), 'push-worker-gcloud-'));
    for (const [name, value] of Object.entries(metadataEnv(metadata.host, emptyDir))) setEnv(name, value);
    for (const name of CREDENTIAL_VARIABLES) setEnv(name, undefined);
    const worker = pushWorker({
      taskType: TASK_TYPE,
      payload: z.unknown(),
      handler: async (task) => void (await task.heartbeat()),
      config: loadConfig({
        ENGINE_URL: engine.url,
        ENGINE_AUTH: 'id-token',
        ENGINE_AUDIENCE: 'https://camunda.example',
      }),
      log: logs.logger,
    });
    functions.cloudEvent(FUNCTION_NAME, worker);
    server = await FunctionServer.start(FUNCTION_NAME);
  });
  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server?.close();
    await Promise.all([metadata.close(), engine.close()]);
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('sends the token for ENGINE_AUDIENCE in both headers, asked for once', async () => {
    for (let delivery = 0; delivery < 2; delivery++) {
      expect((await server.post(binaryEvent(pubsubMessage(encodeData(taskData()))))).status).to.equal(204);
    }
    expect(engine.requests).to.have.length(4); // a heartbeat and a reply each
    const tokens = new Set(engine.requests.map((request) => request.headers.authorization));
    expect(tokens.size).to.equal(1);
    const [bearer] = tokens;
    expect(bearer).to.match(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    for (const request of engine.requests) expect(request.headers['x-serverless-authorization']).to.equal(bearer);
    const payload = JSON.parse(Buffer.from(bearer!.split('.')[1]!, 'base64url').toString()) as { aud: string };
    expect(payload.aud).to.equal('https://camunda.example');
    expect(metadata.identityRequests().map((request) => request.audience)).to.deep.equal(['https://camunda.example']);
    expect(JSON.stringify(logs.entries)).not.to.contain(bearer!.slice(7));
  });

  it('asks for a redelivery while the metadata server refuses', async () => {
    metadata.identityStatus = 404;
    // A fresh worker: the first one holds a valid token.
    const worker = pushWorker({
      taskType: TASK_TYPE,
      payload: z.unknown(),
      handler: () => 1,
      config: loadConfig({ ENGINE_URL: engine.url, ENGINE_AUTH: 'id-token', ENGINE_AUDIENCE: 'https://other.example' }),
      log: logs.logger,
    });
    logs.clear();
    engine.reset();
    let thrown: unknown;
    const event = JSON.parse(binaryEvent(pubsubMessage(encodeData(taskData()))).body) as unknown;
    await worker({ data: event } as never).catch((error: unknown) => (thrown = error));
    expect((thrown as Error).name).to.equal('RedeliveryRequested');
    expect(engine.requests).to.deep.equal([]);
    expect(logs.only()).to.deep.include({ outcome: 'retry', severity: 'ERROR' });
    metadata.identityStatus = 200;
  });
});
