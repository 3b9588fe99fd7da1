/**
 * The worker library end to end: the real engine jar running PushTask, the Pub/Sub emulator pushing to a
 * Functions Framework child that runs a test worker (fixtures/test-worker.ts), and a caller process
 * (fixtures/WorkerTestCaller.bpmn) that maps the result and catches the worker's errors and PushTask's timeout
 * (an error code it does not catch makes an incident on PushTask, retried from there). The emulator
 * sends no deliveryAttempt; a small proxy in front of the worker adds it, counting deliveries per message,
 * as Pub/Sub does for a subscription with a dead-letter policy.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HttpServer } from '../../devkit/http-server';
import { startEchoFunction, type RunningEchoFunction } from '../../local/echo-function';
import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startPubsubEmulator, type PubsubEmulator, type ReceivedMessage } from '../../local/pubsub-emulator';
import { startTestEngine, type TestEngine } from '../../test/support/bpmn-engine';
import { eventually, json, variables, type Camunda } from '../../test/support/camunda';
import type { DeliveryLog, HeartbeatLog, LogLine } from '../src/log';
import { collectLines, deployPushTaskAndCaller, FIXTURES, forwardWithAttempt } from './fixtures/stack';

const TOPIC = 'worker-test';
const COPY = 'worker-test-copy';
const DEAD_LETTERS = 'worker-test-dead';
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
  const lines: LogLine[] = [];

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

  /** Starts the caller with this payload (and timeout); resolves with its id and its PushTask instance's. */
  const runTask = async (payload: unknown, timeout?: string) => {
    const vars = {
      ...variables({ project: emulator.project, topic: TOPIC, taskType: 'worker-test' }),
      ...(timeout ? variables({ timeout }) : {}),
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

  const linesOf = (pushTask: string) =>
    lines.filter((line): line is DeliveryLog => line.processInstanceId === pushTask && 'outcome' in line);
  const heartbeatsOf = (pushTask: string) =>
    lines.filter((line): line is HeartbeatLog => line.processInstanceId === pushTask && 'heartbeat' in line);
  const outcomesOf = (pushTask: string) => linesOf(pushTask).map((line) => line.outcome);
  /**
   * Until the worker has logged `count` lines for the task: it logs a reply once the engine answered it,
   * and on a busy machine the caller can move on first.
   */
  const logged = (pushTask: string, count: number) =>
    eventually(`${count} worker line(s) for ${pushTask}`, async () => linesOf(pushTask).length >= count, 30_000);

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
    await logged(pushTask, 1);
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
    await logged(pushTask, 1);
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
    await logged(pushTask, 2);
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
    await logged(pushTask, 1);
    expect(outcomesOf(pushTask)).to.deep.equal(['failed']);
    expect(linesOf(pushTask)[0]!.deliveryAttempt).to.equal(1);
  });

  it('takes a heartbeat: PushTask goes through "Still working" and completes', async () => {
    const { caller, pushTask } = await runTask({ action: 'heartbeat', item: 'E-5' });
    await waitsIn(caller, 'Activity_Done');
    const passed = (await camunda.activities(pushTask)).map((activity) => activity.activityId);
    // The heartbeat is a reply "working": through "Still working?" back to the wait, then the final reply.
    expect(passed.filter((id) => id === 'Activity_AwaitReply')).to.have.length(2);
    expect(passed.filter((id) => id === 'Gateway_StillWorking')).to.have.length(2);
    await logged(pushTask, 1);
    expect(heartbeatsOf(pushTask)).to.deep.equal([]);
    expect(outcomesOf(pushTask)).to.deep.equal(['completed']);
  });

  /** Runs a `late*` task with a 3 s timeout until the caller caught PushTaskTimeout; the worker still holds it. */
  const runUntilTimedOut = async (action: 'late' | 'late-heartbeat', item: string) => {
    const gate = join(dir, `gate-${item}`);
    const { caller, pushTask } = await runTask({ action, item, gate }, 'PT3S');
    await waitsIn(caller, 'Activity_Caught');
    const lateReply = async () => {
      writeFileSync(gate, '');
      await eventually(`the late reply for ${pushTask}`, async () => linesOf(pushTask).length > 0, 30_000);
    };
    return { caller, pushTask, lateReply };
  };

  it('times out: PushTaskTimeout reaches the caller; the late reply gets 400 and changes nothing', async () => {
    const { caller, pushTask, lateReply } = await runUntilTimedOut('late', 'F-6');
    const vars = await camunda.variables(caller);
    expect(vars.caughtCode).to.equal('PushTaskTimeout');
    expect(String(vars.caughtMessage)).to.match(
      /^no reply to task worker-test \(request [0-9a-f-]{36}\) by its deadline \S+ \(timeout PT3S\)$/,
    );
    expect(await camunda.isRunning(pushTask)).to.equal(false);
    expect(outcomesOf(pushTask), 'the worker still holds the task').to.deep.equal([]);
    const settled = await stateOf(caller);
    expect(settled.incidents).to.equal(0);
    await lateReply();
    expect(linesOf(pushTask)[0]).to.deep.include({ outcome: 'duplicate', engineStatus: 400, action: 'late' });
    expect(await stateOf(caller)).to.deep.equal(settled);
    // The emulator redelivers a push held past its 10 s ack deadline: on a slow machine a second late copy.
    expect(new Set(outcomesOf(pushTask))).to.deep.equal(new Set(['duplicate']));
  });

  it('refuses a heartbeat after the task ended: a WARNING line, and the worker still replies (400, duplicate)', async () => {
    const { caller, pushTask, lateReply } = await runUntilTimedOut('late-heartbeat', 'G-7');
    expect(await camunda.variables(caller)).to.deep.include({ caughtCode: 'PushTaskTimeout' });
    const settled = await stateOf(caller);
    await lateReply();
    const [heartbeat] = heartbeatsOf(pushTask);
    expect(heartbeat).to.deep.include({ severity: 'WARNING', heartbeat: 'refused', engineStatus: 400 });
    expect(heartbeat!.message).to.match(/^heartbeat refused: /);
    expect(linesOf(pushTask)[0]).to.deep.include({ outcome: 'duplicate', action: 'late-heartbeat' });
    expect(await stateOf(caller)).to.deep.equal(settled);
  });

  it('leaves an uncaught business error as an incident on PushTask; retryPushTask and a job retry publish it again, and it completes', async () => {
    const { caller, pushTask } = await runTask({ action: 'error-once', item: 'H-8' });
    const incident = await eventually(
      `the incident on ${pushTask}`,
      async () => (await camunda.incidentsOf(pushTask))[0],
      30_000,
    );
    expect(incident.activityId).to.equal('Activity_RaiseError');
    expect(incident.incidentMessage).to.contain('BPMN error Backordered not caught by the caller: H-8 is back-ordered');
    expect(await camunda.currentActivities(caller)).to.deep.equal(['Activity_CallPushTask']);
    await logged(pushTask, 1);
    expect(outcomesOf(pushTask)).to.deep.equal(['error']);

    await camunda.expectOk('PUT', `/process-instance/${pushTask}/variables/retryPushTask`, {
      value: true,
      type: 'Boolean',
    });
    await camunda.expectOk('PUT', `/job/${incident.configuration}/retries`, { retries: 1 });
    await waitsIn(caller, 'Activity_Done');
    const vars = await camunda.variables(caller);
    expect(JSON.parse(String(vars.result))).to.deep.equal({ item: 'H-8', price: 12.5, deliveryAttempt: 1 });
    await logged(pushTask, 2);
    expect(outcomesOf(pushTask)).to.deep.equal(['error', 'completed']);
    const [first, retried] = linesOf(pushTask).map((line) => line.requestId);
    expect(retried, "the retried task's request id").to.be.a('string').and.not.equal(first);
    expect((await camunda.historicInstance(pushTask))?.state).to.equal('COMPLETED');
    expect(await camunda.incidents({ processInstanceId: caller })).to.deep.equal([]);
  });
});
