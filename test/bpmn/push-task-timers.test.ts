/**
 * bpmn/PushTask.bpmn on the real engine, what takes time: the deadline (timeout), the re-publish timer
 * and the heartbeats that re-arm it, and an uncaught error's incident with the operator's retry under a
 * new request id. The test plays the worker (push-task-worker.ts).
 */
import { expect } from 'chai';

import { startTestEngine } from '../support/bpmn-engine';
import { eventually, sleep, variables } from '../support/camunda';
import { PushTaskWorld, postMessage } from './push-task-worker';

describe('BPMN block PushTask: deadline, heartbeats, retry', function () {
  this.timeout(60_000);
  const world = new PushTaskWorld();

  before(async function () {
    this.timeout(120_000);
    await world.attach(await startTestEngine(await world.startStandIns()));
  });
  after(() => world.stop());
  afterEach(() => world.reset());

  const callTask = async (vars: Record<string, string | number> = {}) => {
    const caller = await world.camunda.start(
      'PushTaskCaller',
      variables({ project: 'test-project', topic: 'price-order-tasks', taskType: 'price-order', ...vars }),
    );
    const [task] = await world.published(1);
    return { callerId: caller.id, task };
  };

  it('with a timeout and no reply (a heartbeat only): PushTaskTimeout at the deadline the message carries; a reply after it gets 400', async () => {
    const { callerId, task } = await callTask({ timeout: 'PT5S' });
    expect(task.deadline).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // Computed before the publish, from the same clock: at most the timeout after this attempt's sentAt.
    expect(Date.parse(task.deadline!) - Date.parse(task.sentAt)).to.be.at.most(5_000);
    // A heartbeat re-arms the re-publish timer and leaves the deadline where it was.
    expect(await world.heartbeat(task), 'a heartbeat before the deadline').to.equal(204);

    const caller = await world.callerAt(callerId, 'Activity_Caught');
    expect(Date.now(), 'not before the deadline').to.be.at.least(Date.parse(task.deadline!));
    expect(caller.caughtCode.value).to.equal('PushTaskTimeout');
    expect(caller.caughtMessage.value).to.equal(
      `no reply to task price-order (request ${task.requestId}) by its deadline ${task.deadline} (timeout PT5S)`,
    );
    await world.ended(task.processInstanceId);
    expect(await world.camunda.jobs({ processInstanceId: task.processInstanceId })).to.be.empty;

    const before = await world.camunda.typedVariables(callerId);
    expect(await world.reply(task, { outcome: 'completed', result: { late: true } }), 'a late reply').to.equal(400);
    expect(await world.camunda.typedVariables(callerId)).to.deep.equal(before);
  });

  it('with a timeout, a reply in time completes and leaves no timer behind', async () => {
    const { callerId, task } = await callTask({ timeout: 'PT1H' });
    await world.waitingForReply(task.processInstanceId);
    // One timer for the re-publish and the deadline: due at the deadline only when that comes first.
    const [timer] = await world.camunda.jobs({ processInstanceId: task.processInstanceId, timers: 'true' });
    expect(Date.parse(timer!.dueDate ?? '')).to.be.below(Date.parse(task.deadline!));
    expect(await world.reply(task, { outcome: 'completed', result: 'ok' })).to.equal(204);
    const caller = await world.callerAt(callerId, 'Activity_Done');
    expect(JSON.parse(caller.result.value as string)).to.equal('ok');
    expect(await world.camunda.jobs({ processInstanceId: task.processInstanceId })).to.be.empty;
  });

  it('heartbeats re-arm the re-publish timer; once they stop, the same request is published again', async () => {
    const REPUBLISH_MS = 2_000;
    const { task } = await callTask({ republishAfter: 'PT2S' });
    await world.waitingForReply(task.processInstanceId);
    // A heartbeat every second for three republishAfter periods: none may find a re-publish running.
    const until = Date.now() + 3 * REPUBLISH_MS;
    while (Date.now() < until) {
      expect(await world.heartbeat(task), 'a heartbeat while the task waits').to.equal(204);
      await sleep(1_000);
    }
    expect(world.pubsub.published, 'no re-publish while the worker beats').to.have.length(1);
    const stored = await world.camunda.typedVariables(task.processInstanceId);
    expect(stored, 'a heartbeat stores nothing').to.not.have.any.keys('pushOutcome', 'pushContractVersion');
    const earlier = {
      messageName: 'PushTaskHeartbeat',
      processInstanceId: task.processInstanceId,
      correlationKeys: { requestId: { value: task.requestId, type: 'String' } },
    };
    expect(await postMessage(world.restUrl, earlier), 'the message heartbeats were before').to.equal(400);

    const [, again] = await world.published(2);
    expect(again.requestId).to.equal(task.requestId);
    expect(Date.parse(again.sentAt)).to.be.above(Date.parse(task.sentAt));
    await world.waitingForReply(task.processInstanceId);
    expect(await world.reply(task, { outcome: 'completed' }), 'the reply to the first copy still counts').to.equal(204);
    await world.ended(task.processInstanceId);
  });

  it('while a re-publish keeps failing a heartbeat still re-arms the wait; a reply completes the task and leaves no job', async () => {
    const { callerId, task } = await callTask({ republishAfter: 'PT1S', publishRetryTimeCycle: 'R100/PT1S' });
    world.pubsub.failNext(...Array.from({ length: 50 }, () => ({ status: 503, body: 'unavailable' })));
    await eventually('the re-publish to fail', async () => {
      const failed = await world.camunda.jobs({ processInstanceId: task.processInstanceId, withException: 'true' });
      return failed.length > 0 ? failed : undefined;
    });
    // The wait stays committed while its timer's job fails: the worker's heartbeat finds it (a 500 when it
    // meets a retry of that job, which the worker sends again).
    await eventually('a heartbeat taken', async () => ((await world.heartbeat(task)) === 204 ? true : undefined));

    const reply = () => world.reply(task, { outcome: 'completed', result: 'despite it' });
    await eventually('the reply taken', async () => ((await reply()) === 204 ? true : undefined));
    const caller = await world.callerAt(callerId, 'Activity_Done');
    expect(JSON.parse(caller.result.value as string)).to.equal('despite it');
    expect(await world.camunda.jobs({ processInstanceId: task.processInstanceId })).to.be.empty;
    expect(await world.camunda.incidents({ processInstanceId: task.processInstanceId })).to.be.empty;
  });

  it('an uncaught error is an incident with its code and message; retryPushTask and a job retry publish it again under a new request id', async () => {
    const { callerId, task } = await callTask();
    expect(
      await world.reply(task, { outcome: 'error', code: 'CreditRefused', message: 'customer 9 is blocked' }),
    ).to.equal(204);
    const [incident] = await eventually('the incident on the raise step', async () => {
      const incidents = await world.camunda.incidents({ processInstanceId: task.processInstanceId });
      return incidents.length > 0 ? incidents : undefined;
    });
    expect(incident.activityId).to.equal('Activity_RaiseError');
    expect(incident.incidentMessage).to.contain('customer 9 is blocked').and.contain('CreditRefused');
    expect(await world.camunda.currentActivities(callerId)).to.deep.equal(['Activity_CallPushTask']);

    const [job] = await world.camunda.jobs({ processInstanceId: task.processInstanceId });
    await world.camunda.expectOk('PUT', `/process-instance/${task.processInstanceId}/variables/retryPushTask`, {
      value: true,
      type: 'Boolean',
    });
    await world.camunda.expectOk('PUT', `/job/${job.id}/retries`, { retries: 1 });

    const [, retried] = await world.published(2);
    expect(retried.processInstanceId).to.equal(task.processInstanceId);
    expect(retried.requestId).to.not.equal(task.requestId);
    await world.waitingForReply(task.processInstanceId);
    const pushTaskVariables = await world.camunda.typedVariables(task.processInstanceId);
    expect(pushTaskVariables).to.not.have.any.keys(
      'retryPushTask',
      'pushOutcome',
      'pushErrorCode',
      'pushErrorMessage',
      'result',
    );

    expect(await world.reply(task, { outcome: 'completed', result: 1 }), 'a reply to the first attempt').to.equal(400);
    expect(await world.reply(retried, { outcome: 'completed', result: 2 })).to.equal(204);
    const caller = await world.callerAt(callerId, 'Activity_Done');
    expect(JSON.parse(caller.result.value as string)).to.equal(2);
    expect(await world.camunda.incidents({ processInstanceId: task.processInstanceId })).to.be.empty;
  });
});
