/**
 * The worker library end to end: the real engine jar running PushTask, the Pub/Sub emulator pushing to a
 * Functions Framework child that runs a test worker (fixtures/test-worker.ts), and a caller process
 * (fixtures/WorkerTestCaller.bpmn) that maps the result and catches the worker's errors. The emulator
 * sends no deliveryAttempt; a small proxy in front of the worker adds it, counting deliveries per message,
 * as Pub/Sub does for a subscription with a dead-letter policy.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HttpServer } from '../../devkit/http-server';
import { startEchoFunction, type RunningEchoFunction } from '../../local/echo-function';
import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startPubsubEmulator, type PubsubEmulator, type ReceivedMessage } from '../../local/pubsub-emulator';
import { BPMN_DIR, startTestEngine, type TestEngine } from '../../test/support/bpmn-engine';
import { eventually, json, variables, type Camunda } from '../../test/support/camunda';
import type { DeliveryLog } from '../src/log';

const TOPIC = 'worker-test';
const COPY = 'worker-test-copy';
const DEAD_LETTERS = 'worker-test-dead';
const FIXTURES = join(__dirname, 'fixtures');
const MAX_DELIVERY_ATTEMPTS = 2;

describe('worker library on the engine and the Pub/Sub emulator', function () {
  this.timeout(90_000);

  let dir: string;
  let engine: TestEngine;
  let camunda: Camunda;
  let metadata: MetadataServer;
  let emulator: PubsubEmulator;
  let worker: RunningEchoFunction;
  const attempts = new Map<string, number>();
  const proxy = new HttpServer({ record: false });
  const lines: DeliveryLog[] = [];

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(join(tmpdir(), 'camunda-serverless-worker-'));
    [metadata, emulator] = await Promise.all([
      startMetadataServer(),
      startPubsubEmulator({ dataDir: join(dir, 'emulator') }),
    ]);
    engine = await startTestEngine({ settings: { METADATA_URL: metadata.url, PUBSUB_URL: emulator.url } });
    camunda = engine.camunda;
    await deployPushTaskAndCaller(camunda);
    worker = await startEchoFunction({
      engineUrl: engine.engine.url,
      logFile: join(dir, 'worker.log'),
      settings: {
        FUNCTION_SOURCE: join(FIXTURES, 'test-worker.ts'),
        FUNCTION_TARGET: 'workerTest',
        MAX_DELIVERY_ATTEMPTS: String(MAX_DELIVERY_ATTEMPTS),
      },
    });
    collectLines(worker, lines);
    proxy.otherwise(async (request) => forwardWithAttempt(request, worker.url, attempts));
    await proxy.start();
    await emulator.createTopic(TOPIC);
    await emulator.createTopic(DEAD_LETTERS);
    await emulator.createPullSubscription(COPY, TOPIC);
    await emulator.createPushSubscription(TOPIC, TOPIC, `${proxy.url}/${emulator.topicPath(TOPIC)}`, {
      retryPolicy: { minimumBackoff: '1s', maximumBackoff: '2s' },
      deadLetterPolicy: { deadLetterTopic: DEAD_LETTERS, maxDeliveryAttempts: 5 },
    });
  });

  after(async () => {
    await worker?.stop();
    await proxy.close();
    await engine?.stop();
    await emulator?.stop();
    await metadata?.close();
    if (dir && !process.env.KEEP_ENGINE_DATA) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await camunda?.deleteAll(['WorkerTestCaller']);
  });

  /** Starts the caller with this payload; resolves with its id and its PushTask instance's. */
  const runTask = async (payload: unknown) => {
    const vars = {
      ...variables({ project: emulator.project, topic: TOPIC, taskType: 'worker-test' }),
      payload: json(payload),
    };
    const caller = (await camunda.start('WorkerTestCaller', vars)).id;
    const pushTask = await eventually(`PushTask under ${caller}`, async () => {
      const [found] = await camunda.historicInstances({ superProcessInstanceId: caller });
      return found?.id;
    });
    return { caller, pushTask };
  };

  const waitsIn = (id: string, activity: string) =>
    eventually(
      `${id} to wait in ${activity}`,
      async () => (await camunda.currentActivities(id)).includes(activity),
      60_000,
    );

  const linesOf = (pushTask: string) => lines.filter((line) => line.processInstanceId === pushTask);
  const outcomesOf = (pushTask: string) => linesOf(pushTask).map((line) => line.outcome);

  /** Publishes what PushTask published for this instance once more, as a duplicate delivery would. */
  const publishAgain = async (pushTask: string) => {
    const copy = await eventually(`the message of ${pushTask}`, async () => {
      const found = (await emulator.pull(COPY)).find((m) => JSON.parse(m.data).processInstanceId === pushTask);
      return found;
    });
    const before = linesOf(pushTask).length;
    await emulator.publish(TOPIC, [{ data: copy.data, attributes: copy.attributes }]);
    await eventually(
      `a duplicate for ${pushTask}`,
      async () =>
        linesOf(pushTask)
          .slice(before)
          .some((l) => l.outcome === 'duplicate'),
      30_000,
    );
    return copy;
  };

  /** The caller's variables and incidents: what a duplicate must not change. */
  const stateOf = async (caller: string) => ({
    activities: await camunda.currentActivities(caller),
    variables: await camunda.variables(caller),
    incidents: (await camunda.incidents({ processInstanceId: caller })).length,
  });

  it('completes: the caller gets the result; a duplicate of the reply changes nothing', async () => {
    const { caller, pushTask } = await runTask({ action: 'complete', item: 'A-7' });
    await waitsIn(caller, 'Activity_Done');
    const vars = await camunda.variables(caller);
    expect(JSON.parse(String(vars.result))).to.deep.equal({ item: 'A-7', price: 12.5, deliveryAttempt: 1 });
    expect(linesOf(pushTask)[0]).to.deep.include({ outcome: 'completed', taskType: 'worker-test', action: 'complete' });
    const settled = await stateOf(caller);
    const copy: ReceivedMessage = await publishAgain(pushTask);
    expect(JSON.parse(copy.data)).to.deep.include({
      version: 1,
      taskType: 'worker-test',
      payload: { action: 'complete', item: 'A-7' },
    });
    expect(copy.attributes).to.deep.include({ taskType: 'worker-test', version: '1' });
    expect(await stateOf(caller)).to.deep.equal(settled);
    expect(outcomesOf(pushTask)).to.deep.equal(['completed', 'duplicate']);
  });

  it('raises the business error, caught by the caller; a duplicate changes nothing', async () => {
    const { caller, pushTask } = await runTask({ action: 'business-error', item: 'B-2' });
    await waitsIn(caller, 'Activity_Caught');
    expect(await camunda.variables(caller)).to.deep.include({
      caughtCode: 'OutOfStock',
      caughtMessage: 'no stock for B-2',
    });
    const settled = await stateOf(caller);
    await publishAgain(pushTask);
    expect(await stateOf(caller)).to.deep.equal(settled);
    expect(outcomesOf(pushTask)).to.deep.equal(['error', 'duplicate']);
  });

  it('fails the task on the last delivery attempt: PushTaskFailed with the message; a duplicate changes nothing', async () => {
    const { caller, pushTask } = await runTask({ action: 'fail', item: 'C-3' });
    await waitsIn(caller, 'Activity_Caught');
    expect(await camunda.variables(caller)).to.deep.include({
      caughtCode: 'PushTaskFailed',
      caughtMessage: 'warehouse system down for C-3',
    });
    expect(linesOf(pushTask).map((line) => [line.outcome, line.deliveryAttempt])).to.deep.equal([
      ['retry', 1],
      ['failed', MAX_DELIVERY_ATTEMPTS],
    ]);
    const settled = await stateOf(caller);
    await publishAgain(pushTask);
    expect(await stateOf(caller)).to.deep.equal(settled);
    expect(outcomesOf(pushTask)).to.deep.equal(['retry', 'failed', 'retry', 'duplicate']);
  });

  it('fails a malformed payload at once: PushTaskFailed naming the problem', async () => {
    const { caller, pushTask } = await runTask({ action: 'dance', item: 'D-4' });
    await waitsIn(caller, 'Activity_Caught');
    const vars = await camunda.variables(caller);
    expect(vars.caughtCode).to.equal('PushTaskFailed');
    expect(String(vars.caughtMessage)).to.match(/^payload does not fit the worker's schema: payload\.action: /);
    expect(outcomesOf(pushTask)).to.deep.equal(['failed']);
    expect(linesOf(pushTask)[0]!.deliveryAttempt).to.equal(1);
  });

  it('takes a heartbeat: PushTask goes through "Still working" and completes', async () => {
    const { caller, pushTask } = await runTask({ action: 'heartbeat', item: 'E-5' });
    await waitsIn(caller, 'Activity_Done');
    const passed = (await camunda.activities(pushTask)).map((activity) => activity.activityId);
    expect(passed).to.include('Event_Heartbeat');
    expect(lines.filter((line) => 'heartbeat' in line)).to.deep.equal([]);
    expect(outcomesOf(pushTask)).to.deep.equal(['completed']);
  });
});

/** Deploys the caller fixture; PushTask must be in the jar as it is on disk (or deployed from source). */
async function deployPushTaskAndCaller(camunda: Camunda): Promise<void> {
  const caller = join(FIXTURES, 'WorkerTestCaller.bpmn');
  const pushTask = join(BPMN_DIR, 'PushTask.bpmn');
  if (process.env.BPMN_TEST_DEPLOY_SOURCES === '1') {
    await camunda.deployFiles('worker test', [pushTask, caller]);
    return;
  }
  const answer = await camunda.request<{ bpmn20Xml?: string }>('GET', '/process-definition/key/PushTask/xml');
  if (answer.body?.bpmn20Xml !== readFileSync(pushTask, 'utf8')) {
    throw new Error(
      'the engine jar does not hold bpmn/PushTask.bpmn as it is on disk: rebuild it with `npm run engine:build`',
    );
  }
  await camunda.deployFiles('worker test', [caller]);
}

/** Every JSON line the worker prints with an outcome or a heartbeat. */
function collectLines(worker: RunningEchoFunction, into: DeliveryLog[]): void {
  let partial = '';
  worker.child.process.stdout?.on('data', (chunk: Buffer) => {
    const texts = (partial + chunk.toString('utf8')).split('\n');
    partial = texts.pop() ?? '';
    for (const text of texts) {
      if (!text.startsWith('{')) continue;
      try {
        const line = JSON.parse(text) as DeliveryLog;
        if ('outcome' in line || 'heartbeat' in line) into.push(line);
      } catch {
        // not a log line
      }
    }
  });
}

/** Forwards a push to the worker with the delivery attempt Pub/Sub would add; answers with its status. */
async function forwardWithAttempt(
  request: { path: string; body: string },
  workerUrl: string,
  attempts: Map<string, number>,
): Promise<{ status: number }> {
  const body = JSON.parse(request.body) as { message?: { messageId?: string }; deliveryAttempt?: number };
  const id = body.message?.messageId ?? '';
  const attempt = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, attempt);
  const response = await fetch(`${workerUrl}${request.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, deliveryAttempt: attempt }),
  });
  await response.arrayBuffer();
  return { status: response.status };
}
