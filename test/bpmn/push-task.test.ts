/**
 * bpmn/PushTask.bpmn on the real engine: the message it publishes and the outcomes of a worker's replies,
 * seen from a caller (fixture PushTaskCaller). The test plays the worker (push-task-worker.ts): it reads
 * the task from a fake Pub/Sub and answers through POST /engine-rest/message. Timers (deadline,
 * heartbeat, re-publish) and the retry from an incident are in push-task-timers.test.ts.
 */
import { expect } from 'chai';

import { startTestEngine } from '../support/bpmn-engine';
import { eventually, json, variables } from '../support/camunda';
import { PushTaskWorld, taskOf, type PushTaskMessage } from './push-task-worker';

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('BPMN block PushTask: message and replies', function () {
  this.timeout(60_000);
  const world = new PushTaskWorld();

  before(async function () {
    this.timeout(120_000);
    await world.attach(await startTestEngine(await world.startStandIns()));
  });
  after(() => world.stop());
  afterEach(() => world.reset());

  /** Starts the caller and resolves with its id and the first task it published. */
  const callTask = async (vars: Record<string, string | number> = {}, extra = {}) => {
    const caller = await world.camunda.start(
      'PushTaskCaller',
      {
        ...variables({ project: 'test-project', topic: 'price-order-tasks', taskType: 'price-order', ...vars }),
        ...extra,
      },
      'order-17',
    );
    const [task] = await world.published(1);
    return { callerId: caller.id, task };
  };

  /** Sends a reply again: a duplicate gets 400, and the caller's variables stay as they are. */
  const expectDuplicateChangesNothing = async (callerId: string, send: () => Promise<number>) => {
    const before = await world.camunda.typedVariables(callerId);
    const activitiesBefore = await world.camunda.currentActivities(callerId);
    expect(await send(), 'a duplicate').to.equal(400);
    expect(await world.camunda.typedVariables(callerId)).to.deep.equal(before);
    expect(await world.camunda.currentActivities(callerId)).to.deep.equal(activitiesBefore);
  };

  it('publishes the contract message, and a completed reply hands the caller its result', async () => {
    const startedAt = Date.now();
    const { callerId, task } = await callTask(
      {},
      { payload: json({ item: 'A-7', quantity: 2 }), attributes: json({ loop: 'a', iteration: 7 }) },
    );
    const [message] = world.pubsub.published;

    expect(Object.keys(JSON.parse(message.data))).to.deep.equal([
      'version',
      'taskType',
      'processInstanceId',
      'requestId',
      'sentAt',
      'payload',
    ]);
    expect(task).to.deep.include({ version: 1, taskType: 'price-order', payload: { item: 'A-7', quantity: 2 } });
    expect(task.requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(task.sentAt).to.match(ISO_UTC_MS);
    expect(Date.parse(task.sentAt)).to.be.within(startedAt - 10, message.at + 10);
    expect(message.attributes).to.deep.equal({ taskType: 'price-order', version: '1', loop: 'a', iteration: '7' });
    expect(message).to.deep.include({ project: 'test-project', topic: 'price-order-tasks' });
    const pushTask = await world.camunda.historicInstances({ processInstanceId: task.processInstanceId });
    expect(pushTask[0]).to.include({ superProcessInstanceId: callerId, businessKey: 'order-17' });
    await world.waitingForReply(task.processInstanceId);

    expect(await world.reply(task, { outcome: 'completed', result: { price: 12.5 } })).to.equal(204);
    const caller = await world.callerAt(callerId, 'Activity_Done');
    expect(caller.result.type).to.equal('Json');
    expect(JSON.parse(caller.result.value as string)).to.deep.equal({ price: 12.5 });
    expect((await world.camunda.historicInstance(task.processInstanceId))?.state).to.equal('COMPLETED');

    await expectDuplicateChangesNothing(callerId, () =>
      world.reply(task, { outcome: 'completed', result: { price: 1 } }),
    );
    expect(await world.heartbeat(task), 'a heartbeat after the end').to.equal(400);
  });

  it('a reply sent the instant the task is published, before Pub/Sub has answered, still completes it', async () => {
    const statuses: number[] = [];
    world.pubsub.beforeAnswer = async (message) => {
      statuses.push(await world.reply(taskOf(message), { outcome: 'completed', result: 'fast' }));
    };
    const { callerId } = await callTask();
    const caller = await world.callerAt(callerId, 'Activity_Done');
    expect(statuses).to.deep.equal([204]);
    expect(JSON.parse(caller.result.value as string)).to.equal('fast');
  });

  it('a completed reply without a result gives the caller a Null result; no payload, no deadline in the message', async () => {
    const { callerId, task } = await callTask();
    expect(task).to.not.have.property('payload');
    expect(task).to.not.have.property('deadline');
    expect(world.pubsub.published[0].attributes).to.deep.equal({ taskType: 'price-order', version: '1' });
    expect(await world.reply(task, { outcome: 'completed' })).to.equal(204);
    const caller = await world.callerAt(callerId, 'Activity_Done');
    expect(caller.result).to.deep.include({ type: 'Null', value: null });
  });

  it('a business error reaches the caller as a BPMN error with the worker code and message', async () => {
    const { callerId, task } = await callTask();
    await world.waitingForReply(task.processInstanceId);
    const reply = { outcome: 'error', code: 'OutOfStock', message: 'no stock for item A-7' } as const;
    expect(await world.reply(task, reply)).to.equal(204);
    const caller = await world.callerAt(callerId, 'Activity_Caught');
    expect(caller.caughtCode.value).to.equal('OutOfStock');
    expect(caller.caughtMessage.value).to.equal('no stock for item A-7');
    await world.ended(task.processInstanceId);
    expect(await world.camunda.incidents({ processInstanceId: task.processInstanceId })).to.be.empty;

    await expectDuplicateChangesNothing(callerId, () => world.reply(task, reply));
  });

  it('a failed reply reaches the caller as PushTaskFailed with the worker message', async () => {
    const { callerId, task } = await callTask();
    const reply = { outcome: 'failed', message: 'payload: quantity must be at least 1' } as const;
    expect(await world.reply(task, reply)).to.equal(204);
    const caller = await world.callerAt(callerId, 'Activity_Caught');
    expect(caller.caughtCode.value).to.equal('PushTaskFailed');
    expect(caller.caughtMessage.value).to.equal('payload: quantity must be at least 1');
    expect(caller.result).to.deep.include({ type: 'Null' });

    await expectDuplicateChangesNothing(callerId, () => world.reply(task, reply));
    await expectDuplicateChangesNothing(callerId, () => world.heartbeat(task));
  });

  describe('an unsupported reply ends in PushTaskFailed ("unsupported reply")', () => {
    const cases: Array<[string, (task: PushTaskMessage) => Promise<number>, string]> = [
      [
        'pushContractVersion 2',
        (task) => world.reply(task, { outcome: 'completed' }, { pushContractVersion: { value: 2, type: 'Integer' } }),
        'pushContractVersion 2, expected 1',
      ],
      [
        'a version that is no number',
        (task) =>
          world.reply(task, { outcome: 'completed' }, { pushContractVersion: { value: 'one', type: 'String' } }),
        'pushContractVersion one, expected 1',
      ],
      [
        'pushOutcome "maybe"',
        (task) => world.reply(task, { outcome: 'completed' }, { pushOutcome: { value: 'maybe', type: 'String' } }),
        "pushOutcome 'maybe', expected completed, error or failed",
      ],
      [
        'a heartbeat of another contract version (its variables transient, so gone by the raise step)',
        (task) =>
          world.reply(
            task,
            { outcome: 'completed' },
            {
              pushContractVersion: { value: 2, type: 'Integer', valueInfo: { transient: true } },
              pushOutcome: { value: 'working', type: 'String', valueInfo: { transient: true } },
            },
          ),
        'neither pushContractVersion nor pushOutcome was kept: they came transient, which only a heartbeat (pushOutcome working, version 1) may send',
      ],
      [
        'a reserved error code',
        (task) => world.reply(task, { outcome: 'error', code: 'PushTaskTimeout', message: 'sneaky' }),
        "pushErrorCode 'PushTaskTimeout' is no error code a worker may raise",
      ],
    ];
    for (const [name, send, why] of cases) {
      it(name, async () => {
        const { callerId, task } = await callTask();
        expect(await send(task)).to.equal(204);
        const caller = await world.callerAt(callerId, 'Activity_Caught');
        expect(caller.caughtCode.value).to.equal('PushTaskFailed');
        expect(caller.caughtMessage.value).to.equal(
          `unsupported reply to task price-order (request ${task.requestId}): ${why}`,
        );
      });
    }
  });

  it('refuses bad input when it starts, naming each variable and the fix, before anything is published', async () => {
    const answer = await world.camunda.request('POST', '/process-definition/key/PushTask/start', {
      variables: {
        ...variables({ taskType: 'Price Order', timeout: 'soon', republishAfter: 'PT0.5S', payload: 'not json' }),
        attributes: json({ version: '2' }),
      },
    });
    expect(answer.status).to.equal(500);
    const message = (answer.body as { message: string }).message;
    for (const problem of [
      'project is required',
      'topic is required',
      "taskType 'Price Order' is no task type: a lower-case letter, then up to 62 lower-case letters, digits or '-', such as price-order",
      "timeout 'soon' is not an ISO-8601 duration of at least one second, such as PT30S or P1D",
      "republishAfter 'PT0.5S' is not an ISO-8601 duration of at least one second, such as PT5M",
      'payload is not JSON',
      'attributes must not hold taskType or version',
    ]) {
      expect(message).to.contain(problem);
    }
    expect(
      (
        await world.camunda.request('POST', '/process-definition/key/PushTask/start', {
          variables: { ...variables({ project: 'p', topic: 't', taskType: 'x' }), attributes: json(['a']) },
        })
      ).body,
    )
      .to.have.property('message')
      .that.contains('attributes is not a JSON object of text values');
    expect(world.pubsub.attempts).to.be.empty;
    expect(await world.camunda.count('process-instance', { processDefinitionKey: 'PushTask' })).to.equal(0);
  });

  it('called with bad input, the caller job fails with the reason', async () => {
    const caller = await world.camunda.start(
      'PushTaskCaller',
      variables({ project: 'test-project', topic: 'price-order-tasks', taskType: 'price-order', timeout: 'PT0S' }),
    );
    const [incident] = await eventually('an incident on the caller', async () => {
      const incidents = await world.camunda.incidents({ processInstanceId: caller.id });
      return incidents.length > 0 ? incidents : undefined;
    });
    expect(incident.incidentMessage).to.contain("timeout 'PT0S' is not an ISO-8601 duration of at least one second");
    expect(world.pubsub.attempts).to.be.empty;
  });

  it('no message start event: an unmatched reply or heartbeat starts nothing', async () => {
    const before = await world.camunda.count('history/process-instance');
    const stranger = {
      version: 1,
      taskType: 'price-order',
      processInstanceId: 'no-such-instance',
      requestId: 'x',
      sentAt: new Date().toISOString(),
    };
    expect(await world.reply(stranger, { outcome: 'completed' })).to.equal(400);
    expect(await world.heartbeat(stranger)).to.equal(400);
    expect(await world.camunda.count('history/process-instance')).to.equal(before);
  });
});
