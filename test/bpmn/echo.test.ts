/**
 * One round trip of bpmn/EchoLoop.bpmn on the real engine: the loop calls PushTask (task type echo),
 * which publishes in one step of the engine (pushTaskPublish, with the token held in memory). A local
 * server stands in for the Pub/Sub publish endpoint and records what is published; the test plays the
 * echo function and posts replies through POST /engine-rest/message. What Echo proved before (the contract message, one request id for every
 * publish of a request, the retry cycle, the re-publish, the end of the round trip by the reply) is
 * proved here of the loop's PushTask instance. What is PushTask's alone (a reply before Pub/Sub
 * answered, a reply while a re-publish fails, bad input, no message start event) is in
 * push-task.test.ts and push-task-timers.test.ts; a bad republishAfter on the loop in
 * echo-loop.test.ts. History is "full" in this file.
 */
import { expect } from 'chai';

import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startTestEngine, type TestEngine } from '../support/bpmn-engine';
import { eventually, json, variables, type Camunda } from '../support/camunda';
import { FakePubsub, googleError, type PublishedMessage } from '../support/fake-pubsub';
import { echoTaskOf, replyBody, sendReply } from './echo-replier';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Times the engine and this process take of the one system clock may differ by rounding to a millisecond. */
const CLOCK_SLACK_MS = 10;

describe('EchoLoop round trip on PushTask', function () {
  this.timeout(60_000);

  let engine: TestEngine;
  let camunda: Camunda;
  let metadata: MetadataServer;
  const pubsub = new FakePubsub();
  const reply = (task: Parameters<typeof sendReply>[1]) => sendReply(engine.engine.restUrl, task);

  before(async function () {
    this.timeout(120_000);
    metadata = await startMetadataServer();
    await pubsub.start();
    engine = await startTestEngine({
      settings: { METADATA_URL: metadata.url, PUBSUB_URL: pubsub.url, HISTORY_LEVEL: 'full' },
    });
    camunda = engine.camunda;
  });

  after(async () => {
    await engine?.stop();
    await pubsub.close();
    await metadata?.close();
  });

  afterEach(async () => {
    pubsub.reset();
    // A loop left running may be committing its next publish job: a delete meeting it fails on
    // optimistic locking, and is tried again.
    await eventually('every loop deleted', async () => {
      await camunda?.deleteAll(['EchoLoop', 'PushTask']).catch(() => undefined);
      return (await camunda.count('process-instance')) === 0 || undefined;
    });
  });

  let loops = 0;
  /** Starts a loop of a new name; its first iteration is the round trip under test. */
  const startLoop = async (vars: Record<string, string | number> = {}, payload?: unknown) => {
    const name = `loop-${++loops}`;
    const loop = await camunda.start(
      'EchoLoop',
      {
        ...variables({ project: 'test-project', topic: 'echo-requests', publishRetryTimeCycle: 'R5/PT1S', ...vars }),
        ...(payload === undefined ? {} : { payload: json(payload) }),
      },
      name,
    );
    return { name, loop, task: await pushTaskOf(name) };
  };

  /** The loop's PushTask instance (business key = loop name) of the iteration in flight. */
  const pushTaskOf = (name: string) =>
    eventually(`the PushTask of ${name}`, async () => {
      const [task] = await camunda.processInstances({ processDefinitionKey: 'PushTask', businessKey: name });
      return task;
    });

  const publishedFor = (processInstanceId: string, count = 1) =>
    eventually(`${count} publish(es) of ${processInstanceId}`, async () => {
      const found = pubsub.published.filter((m) => echoTaskOf(m).processInstanceId === processInstanceId);
      return found.length >= count ? found : undefined;
    });

  const ended = (processInstanceId: string) =>
    eventually(`${processInstanceId} to end`, async () =>
      (await camunda.isRunning(processInstanceId)) ? undefined : true,
    );

  /** Published, and waiting: the reply subscription is there and no job is due (the re-publish timer is not). */
  const waitingForReply = (processInstanceId: string) =>
    eventually(`${processInstanceId} to wait for its reply only`, async () => {
      const subscriptions = await camunda.count('event-subscription', {
        processInstanceId,
        eventName: 'PushTaskReply',
      });
      const due = await camunda.jobs({ processInstanceId, executable: 'true' });
      return subscriptions === 1 && due.length === 0 ? true : undefined;
    });

  const iterationOf = (loopId: string) => camunda.typedVariables(loopId).then((vars) => vars.iteration.value as number);

  it('publishes the contract message for the loop, and a reply posted through REST completes the iteration', async () => {
    const startedAt = Date.now();
    const { name, loop, task } = await startLoop({}, { answer: 42 });
    const [message] = await publishedFor(task.id);

    const request = echoTaskOf(message);
    expect(Object.keys(request).sort()).to.deep.equal([
      'payload',
      'processInstanceId',
      'requestId',
      'sentAt',
      'taskType',
      'version',
    ]);
    expect(request).to.deep.include({ version: 1, taskType: 'echo', processInstanceId: task.id });
    expect(request.payload).to.deep.equal({ loop: name, iteration: 1, payload: { answer: 42 } });
    expect(request.requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(request.sentAt).to.match(ISO_UTC);
    // The time of the publish attempt: after the start, before the stand-in received it (same clock).
    expect(Date.parse(request.sentAt)).to.be.within(startedAt - CLOCK_SLACK_MS, message.at + CLOCK_SLACK_MS);
    expect(message.attributes).to.deep.equal({ taskType: 'echo', version: '1', loop: name, iteration: '1' });
    expect(message).to.deep.include({
      project: 'test-project',
      topic: 'echo-requests',
      contentType: 'application/json',
    });
    expect(message.authorization).to.equal(`Bearer ${metadata.lastToken}`);
    await waitingForReply(task.id);

    expect(await reply(request)).to.equal(204);
    await ended(task.id);
    expect((await camunda.historicInstance(task.id))?.state).to.equal('COMPLETED');
    expect(await iterationOf(loop.id)).to.equal(2);
    // History is full here: the token never was a variable, and nothing was called to publish.
    const stored = await camunda.expectOk<Array<{ name: string; value: unknown }>>(
      'GET',
      `/history/variable-instance?processInstanceId=${task.id}&deserializeValues=false`,
    );
    expect(JSON.stringify(stored)).to.not.contain(metadata.lastToken!);
    // The publish goes out after the commit: nothing is stored after it (its message id is in the worker's log).
    expect(stored.map((v) => v.name)).to.not.include('messageId');
    expect(await camunda.expectOk('GET', `/history/process-instance?superProcessInstanceId=${task.id}`)).to.deep.equal(
      [],
    );
    const next = echoTaskOf((await publishedFor((await pushTaskOf(name)).id))[0]!);
    expect(next.payload, 'the user payload goes along every iteration').to.deep.equal({
      loop: name,
      iteration: 2,
      payload: { answer: 42 },
    });
  });

  it('a loop without a payload of its own sends loop and iteration only', async () => {
    const { name, task } = await startLoop();
    const [message] = await publishedFor(task.id);
    expect(echoTaskOf(message).payload).to.deep.equal({ loop: name, iteration: 1 });
  });

  it('of two replies at once one wins; the other gets 400, or 500 (optimistic locking) and then 400; nothing changes after the end', async () => {
    const { loop, task } = await startLoop();
    const request = echoTaskOf((await publishedFor(task.id))[0]!);
    await waitingForReply(task.id);

    const answers = await Promise.all([reply(request), reply(request)]);
    expect(
      answers.filter((status) => status === 204),
      `answers ${answers}`,
    ).to.have.length(1);
    expect(answers.filter((status) => status !== 204)[0]).to.be.oneOf([400, 500]);
    await ended(task.id);

    const late = await camunda.correlate(replyBody(request, { late: true }));
    expect(late.status).to.equal(400);
    expect(JSON.stringify(late.body)).to.contain('No process definition or execution matches');
    expect(await iterationOf(loop.id), 'one iteration further, not two').to.equal(2);
  });

  it('a stale reply of iteration k can never complete iteration k+1, not even with the new instance id', async () => {
    const { name, loop, task } = await startLoop();
    const stale = echoTaskOf((await publishedFor(task.id))[0]!);
    expect(await reply(stale)).to.equal(204);
    const secondTask = await eventually('iteration 2', async () =>
      pubsub.published.map(echoTaskOf).find((t) => t.payload.loop === name && t.payload.iteration === 2),
    );
    expect(secondTask.processInstanceId).to.not.equal(stale.processInstanceId);
    expect(secondTask.requestId).to.not.equal(stale.requestId);

    // The stale reply again, as a late Pub/Sub redelivery would bring it ...
    expect(await reply(stale)).to.equal(400);
    // ... and even addressed to the new instance: the request id does not match.
    expect(await reply({ ...stale, processInstanceId: secondTask.processInstanceId })).to.equal(400);
    // Looked at once iteration 2 waits with its publish done: a stale reply that had completed it would
    // have started iteration 3 in the same transaction.
    await waitingForReply(secondTask.processInstanceId);
    expect(await camunda.isRunning(secondTask.processInstanceId)).to.equal(true);
    expect(await iterationOf(loop.id)).to.equal(2);
    expect(pubsub.published.map(echoTaskOf).filter((t) => t.payload.iteration === 3)).to.deep.equal([]);
  });

  it('retries a failed publish on its cycle with the same request id, and completes', async () => {
    pubsub.failNext({ status: 503, body: 'unavailable' }, 'drop');
    const { task } = await startLoop();
    const [message] = await publishedFor(task.id);
    expect(pubsub.attempts).to.have.length(3);
    expect(await reply(echoTaskOf(message))).to.equal(204);
    await ended(task.id);
  });

  it('a publish that succeeded behind a failed answer is published again with the same request id: one reply wins, the other gets 400', async () => {
    pubsub.publishThenFail({ status: 504, body: 'deadline exceeded' });
    const { task } = await startLoop();
    const messages = await publishedFor(task.id, 2);
    const [a, b] = messages.map(echoTaskOf);
    expect(a!.requestId).to.equal(b!.requestId);
    expect(messages[0]!.messageId).to.not.equal(messages[1]!.messageId);
    expect(await reply(a!)).to.equal(204);
    expect(await reply(b!)).to.equal(400);
    await ended(task.id);
  });

  it('by default retries a publish forever, every 30 s (R999999/PT30S from the engine setting)', async () => {
    pubsub.failNext({ status: 500, body: 'boom' });
    const loop = await camunda.start(
      'EchoLoop',
      variables({ project: 'test-project', topic: 'echo-requests' }),
      'dflt',
    );
    const task = await pushTaskOf('dflt');
    const job = await eventually(
      'the failed publish job',
      async () => (await camunda.jobs({ processInstanceId: task.id, withException: 'true' }))[0],
    );
    const lookedAt = Date.now();
    expect(job.retries).to.equal(999_998);
    // Due 30 s after the failure, which came after the stand-in received the attempt and before this look.
    const [attempt] = pubsub.attempts;
    expect(Date.parse(job.dueDate ?? '')).to.be.within(
      attempt!.at + 30_000 - CLOCK_SLACK_MS,
      lookedAt + 30_000 + CLOCK_SLACK_MS,
    );
    // Run it now instead of in 30 s.
    await camunda.expectOk('POST', `/job/${job.id}/execute`);
    const [message] = await publishedFor(task.id);
    expect(await reply(echoTaskOf(message))).to.equal(204);
    await ended(task.id);
    expect(await iterationOf(loop.id)).to.equal(2);
  });

  it('a rejected publish (403) never completes the round trip as if published: an ERROR line, the job keeps retrying, no incident', async () => {
    const refusal = googleError(403, 'PERMISSION_DENIED', 'User not authorized to perform this action.');
    pubsub.failNext(refusal, refusal);
    const { loop, task } = await startLoop({ publishRetryTimeCycle: 'R100/PT1S' });
    const job = await eventually(
      'the failed publish job',
      async () => (await camunda.jobs({ processInstanceId: task.id, withException: 'true' }))[0],
    );
    expect(job.exceptionMessage)
      .to.contain('HTTP 403')
      .and.contain('PERMISSION_DENIED User not authorized to perform this action.');
    // The engine's output reaches its log file through a pipe: the line may follow the job's failure.
    const refused = /ERROR .*\.pubsub\.PubsubPublisher .*HTTP 403 PERMISSION_DENIED User not authorized/;
    await eventually('the ERROR line of the refusal', async () => refused.test(engine.log()) || undefined);
    expect(await camunda.incidents()).to.be.empty;
    expect(await iterationOf(loop.id)).to.equal(1);

    // Once the permission is granted, the next retry publishes.
    const [message] = await publishedFor(task.id);
    expect(await reply(echoTaskOf(message))).to.equal(204);
    await ended(task.id);
  });

  it('without a reply publishes the same request again after republishAfter, until a reply ends it', async () => {
    const { task } = await startLoop({ republishAfter: 'PT2S' });
    const messages = await publishedFor(task.id, 3);
    const requests = messages.map(echoTaskOf);
    expect(new Set(requests.map((r) => r.requestId)).size, 'one request id').to.equal(1);
    expect(new Set(messages.map((m) => m.messageId)).size, 'three messages').to.equal(3);
    for (let i = 1; i < messages.length; i++) {
      expect(messages[i]!.at - messages[i - 1]!.at, 'the delay between two publishes').to.be.at.least(1_900);
      expect(Date.parse(requests[i]!.sentAt)).to.be.above(Date.parse(requests[i - 1]!.sentAt));
    }

    // The reply to the first copy still counts; the later copies' replies are duplicates.
    expect(await reply(requests[0]!)).to.equal(204);
    await ended(task.id);
    expect(await reply(requests[2]!)).to.equal(400);
    const publishesOf = (id: string) =>
      pubsub.published.filter((m: PublishedMessage) => echoTaskOf(m).processInstanceId === id);
    const publishedAtEnd = publishesOf(task.id).length;
    expect(await camunda.jobs({ processInstanceId: task.id }), 'no timer left to publish again').to.be.empty;
    // Watch until a marker loop, started now with the same republishAfter, has published again twice:
    // its first re-publish timer fell due after the moment any timer of the ended PushTask would have.
    const marker = await startLoop({ republishAfter: 'PT2S' });
    await publishedFor(marker.task.id, 3);
    expect(publishesOf(task.id), 'no publish after the reply').to.have.length(publishedAtEnd);
  });
});
