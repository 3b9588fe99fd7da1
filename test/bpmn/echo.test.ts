/**
 * bpmn/Echo.bpmn (with PubsubPublish, FetchToken and Http under it) on the real engine. A local server
 * stands in for the Pub/Sub publish endpoint and records what is published; the test plays the echo
 * function and posts replies through POST /engine-rest/message. History is "full" in this file so that
 * the variables of finished instances can be checked.
 */
import { expect } from 'chai';

import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startTestEngine, type TestEngine } from '../support/bpmn-engine';
import { eventually, json, variables, type Camunda } from '../support/camunda';
import {
  echoRequestOf,
  FakePubsub,
  googleError,
  replyBody,
  sendReply,
  type PublishedMessage,
} from '../support/fake-pubsub';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Times the engine and this process take of the one system clock may differ by rounding to a millisecond. */
const CLOCK_SLACK_MS = 10;

describe('BPMN block Echo', function () {
  this.timeout(60_000);

  let engine: TestEngine;
  let camunda: Camunda;
  let metadata: MetadataServer;
  const pubsub = new FakePubsub();

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
    await camunda?.deleteAll(['Echo', 'EchoLoop']);
    pubsub.reset();
  });

  const startEcho = (vars: Record<string, string | number> = {}, businessKey?: string) =>
    camunda.start(
      'Echo',
      variables({ project: 'test-project', topic: 'echo-requests', publishRetryTimeCycle: 'R5/PT1S', ...vars }),
      businessKey,
    );

  const publishedFor = (processInstanceId: string, count = 1) =>
    eventually(`${count} publish(es) of ${processInstanceId}`, async () => {
      const found = pubsub.published.filter((m) => echoRequestOf(m).processInstanceId === processInstanceId);
      return found.length >= count ? found : undefined;
    });

  const ended = (processInstanceId: string) =>
    eventually(`${processInstanceId} to end`, async () =>
      (await camunda.isRunning(processInstanceId)) ? undefined : true,
    );

  /** Published, and waiting: one branch in the receive task, the other at the timer that would publish again. */
  const waitingForReply = (processInstanceId: string) =>
    eventually(`${processInstanceId} to wait for its reply only`, async () => {
      const current = await camunda.currentActivities(processInstanceId);
      return current.join() === 'Activity_AwaitReply,Event_NoReplyYet' ? true : undefined;
    });

  const historicVariable = async (processInstanceId: string, name: string) => {
    const list = await camunda.expectOk<Array<{ value: unknown; type: string }>>(
      'GET',
      `/history/variable-instance?processInstanceId=${processInstanceId}&variableName=${name}&deserializeValues=false`,
    );
    return list[0];
  };

  it('publishes the contract message, and a reply posted through REST completes it', async () => {
    const startedAt = Date.now();
    const instance = await startEcho({ loop: 'loop-a', iteration: 7 }, 'loop-a');
    const [message] = await publishedFor(instance.id);

    const request = echoRequestOf(message);
    expect(Object.keys(request).sort()).to.deep.equal([
      'iteration',
      'loop',
      'messageName',
      'processInstanceId',
      'replyMessageName',
      'requestId',
      'sentAt',
    ]);
    expect(request).to.deep.include({
      messageName: 'echo',
      replyMessageName: 'EchoReply',
      processInstanceId: instance.id,
      loop: 'loop-a',
      iteration: 7,
    });
    expect(request.requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(request.sentAt).to.match(ISO_UTC);
    // The time of the publish attempt: after the start, before the stand-in received it (same clock).
    expect(Date.parse(request.sentAt)).to.be.within(startedAt - CLOCK_SLACK_MS, message.at + CLOCK_SLACK_MS);
    expect(message.attributes).to.deep.equal({ messageName: 'echo', loop: 'loop-a', iteration: '7' });
    expect(message).to.deep.include({
      project: 'test-project',
      topic: 'echo-requests',
      contentType: 'application/json',
    });
    expect(message.authorization).to.equal(`Bearer ${metadata.lastToken}`);

    // The request id is a process variable, created before the fork.
    expect((await camunda.typedVariables(instance.id)).requestId.value).to.equal(request.requestId);
    await waitingForReply(instance.id);

    expect(await sendReply(engine.engine.restUrl, request, { answer: 42 })).to.equal(204);
    await ended(instance.id);
    expect((await camunda.historicInstance(instance.id))?.state).to.equal('COMPLETED');
    const echoPayload = await historicVariable(instance.id, 'echoPayload');
    expect(echoPayload.type).to.equal('Json');
    expect(JSON.parse(echoPayload.value as string)).to.deep.equal({ answer: 42 });
    expect((await historicVariable(instance.id, 'messageId')).value).to.equal(message.messageId);
  });

  it('a message without loop and iteration, with a JSON payload', async () => {
    const instance = await camunda.start('Echo', {
      ...variables({ project: 'p-1', topic: 'echo-requests' }),
      payload: json({ a: [1, 2] }),
    });
    const [message] = await publishedFor(instance.id);
    const request = echoRequestOf(message);
    expect(request).to.not.have.property('loop');
    expect(request).to.not.have.property('iteration');
    expect(request.payload).to.deep.equal({ a: [1, 2] });
    expect(message.attributes).to.deep.equal({ messageName: 'echo' });
    expect(await sendReply(engine.engine.restUrl, request)).to.equal(204);
    await ended(instance.id);
    const echoPayload = await historicVariable(instance.id, 'echoPayload');
    expect(JSON.parse(echoPayload.value as string), 'the echo function echoes the payload').to.deep.equal({
      a: [1, 2],
    });
  });

  it('a reply sent the instant the publish happens, before Pub/Sub has answered, still correlates', async () => {
    const statuses: number[] = [];
    pubsub.beforeAnswer = async (message) => {
      statuses.push(await sendReply(engine.engine.restUrl, echoRequestOf(message)));
    };
    const instance = await startEcho();
    await ended(instance.id);
    expect(statuses[0]).to.equal(204);
    expect(await camunda.incidents({ processInstanceId: instance.id })).to.be.empty;
  });

  it('of two replies at once one wins; the other gets 400, or 500 (optimistic locking) and then 400; nothing changes after the end', async () => {
    const instance = await startEcho();
    const [message] = await publishedFor(instance.id);
    const request = echoRequestOf(message);
    await waitingForReply(instance.id);
    const instancesBefore = await camunda.count('process-instance');

    const answers = await Promise.all([
      sendReply(engine.engine.restUrl, request),
      sendReply(engine.engine.restUrl, request),
    ]);
    expect(
      answers.filter((status) => status === 204),
      `answers ${answers}`,
    ).to.have.length(1);
    expect(answers.filter((status) => status !== 204)[0]).to.be.oneOf([400, 500]);
    await ended(instance.id);

    const late = await camunda.correlate(replyBody(request, { late: true }));
    expect(late.status).to.equal(400);
    expect(JSON.stringify(late.body)).to.contain('No process definition or execution matches');
    expect(await camunda.count('process-instance')).to.equal(instancesBefore - 1);
    expect(
      await camunda.count('history/process-instance', { processDefinitionKey: 'Echo', processInstanceId: instance.id }),
    ).to.equal(1);
    expect((await historicVariable(instance.id, 'echoPayload')).type, 'the first reply wins').to.equal('Null');
  });

  it('a stale reply of iteration k can never complete iteration k+1, not even with the new instance id', async () => {
    const loop = await camunda.start(
      'EchoLoop',
      variables({ project: 'test-project', topic: 'echo-requests', publishRetryTimeCycle: 'R5/PT1S' }),
      'stale-test',
    );
    const iterationOf = (m: PublishedMessage) => echoRequestOf(m).iteration;
    const first = await eventually('iteration 1', async () => pubsub.published.find((m) => iterationOf(m) === 1));
    const stale = echoRequestOf(first);
    expect(await sendReply(engine.engine.restUrl, stale)).to.equal(204);
    const second = echoRequestOf(
      await eventually('iteration 2', async () => pubsub.published.find((m) => iterationOf(m) === 2)),
    );
    expect(second.processInstanceId).to.not.equal(stale.processInstanceId);
    expect(second.requestId).to.not.equal(stale.requestId);

    // The stale reply again, as a late Pub/Sub redelivery would bring it ...
    expect(await sendReply(engine.engine.restUrl, stale)).to.equal(400);
    // ... and even addressed to the new instance: the request id does not match.
    expect(await sendReply(engine.engine.restUrl, { ...stale, processInstanceId: second.processInstanceId })).to.equal(
      400,
    );
    // Looked at once iteration 2 waits with its publish done: a stale reply that had completed it would
    // have started iteration 3 in the same transaction.
    await waitingForReply(second.processInstanceId);
    expect(await camunda.isRunning(second.processInstanceId)).to.equal(true);
    expect((await camunda.typedVariables(loop.id)).iteration.value).to.equal(2);
    expect(pubsub.published.filter((m) => iterationOf(m) === 3)).to.deep.equal([]);
  });

  it('retries a failed publish on its cycle with the same request id, and completes', async () => {
    pubsub.failNext({ status: 503, body: 'unavailable' }, 'drop');
    const instance = await startEcho();
    const [message] = await publishedFor(instance.id);
    expect(pubsub.attempts).to.have.length(3);
    const requestId = echoRequestOf(message).requestId;
    expect((await camunda.typedVariables(instance.id)).requestId.value).to.equal(requestId);
    expect(await sendReply(engine.engine.restUrl, echoRequestOf(message))).to.equal(204);
    await ended(instance.id);
  });

  it('a publish that succeeded behind a failed answer is published again with the same request id: one reply wins, the other gets 400', async () => {
    pubsub.publishThenFail({ status: 504, body: 'deadline exceeded' });
    const instance = await startEcho();
    const messages = await publishedFor(instance.id, 2);
    const [a, b] = messages.map(echoRequestOf);
    expect(a.requestId).to.equal(b.requestId);
    expect(messages[0].messageId).to.not.equal(messages[1].messageId);
    expect(await sendReply(engine.engine.restUrl, a)).to.equal(204);
    expect(await sendReply(engine.engine.restUrl, b)).to.equal(400);
    await ended(instance.id);
  });

  it('by default retries a publish forever, every 30 s (R999999/PT30S from the engine setting)', async () => {
    pubsub.failNext({ status: 500, body: 'boom' });
    const instance = await camunda.start('Echo', variables({ project: 'test-project', topic: 'echo-requests' }));
    const job = await eventually(
      'the failed publish job',
      async () => (await camunda.jobs({ processInstanceId: instance.id, withException: 'true' }))[0],
    );
    const lookedAt = Date.now();
    expect(job.retries).to.equal(999_998);
    // Due 30 s after the failure, which came after the stand-in received the attempt and before this look.
    const [attempt] = pubsub.attempts;
    expect(Date.parse(job.dueDate ?? '')).to.be.within(
      attempt.at + 30_000 - CLOCK_SLACK_MS,
      lookedAt + 30_000 + CLOCK_SLACK_MS,
    );
    // Run it now instead of in 30 s.
    await camunda.expectOk('POST', `/job/${job.id}/execute`);
    const [message] = await publishedFor(instance.id);
    expect(await sendReply(engine.engine.restUrl, echoRequestOf(message))).to.equal(204);
    await ended(instance.id);
  });

  it('a rejected publish (403) never completes the Echo as if published: an ERROR line, the job keeps retrying, no incident', async () => {
    pubsub.failNext(
      googleError(403, 'PERMISSION_DENIED', 'User not authorized to perform this action.'),
      googleError(403, 'PERMISSION_DENIED', 'User not authorized to perform this action.'),
    );
    const instance = await startEcho({ publishRetryTimeCycle: 'R100/PT1S' });
    const job = await eventually(
      'the failed publish job',
      async () => (await camunda.jobs({ processInstanceId: instance.id, withException: 'true' }))[0],
    );
    expect(job.exceptionMessage)
      .to.contain('HTTP 403')
      .and.contain('PERMISSION_DENIED User not authorized to perform this action.');
    expect(await camunda.currentActivities(instance.id)).to.deep.equal(['Activity_AwaitReply', 'Activity_PublishEcho']);
    expect(engine.log()).to.match(
      /ERROR .*camundaserverless\.bpmn\.PubsubPublish .*HTTP 403 PERMISSION_DENIED User not authorized/,
    );
    expect(await camunda.incidents({ processInstanceId: instance.id })).to.be.empty;

    // Once the permission is granted, the next retry publishes.
    const [message] = await publishedFor(instance.id);
    expect(await sendReply(engine.engine.restUrl, echoRequestOf(message))).to.equal(204);
    await ended(instance.id);
  });

  it('without a reply publishes the same request again after republishAfter, until a reply ends it', async () => {
    const instance = await startEcho({ republishAfter: 'PT2S' });
    const messages = await publishedFor(instance.id, 3);
    const requests = messages.map(echoRequestOf);
    expect(new Set(requests.map((r) => r.requestId)).size, 'one request id').to.equal(1);
    expect(new Set(messages.map((m) => m.messageId)).size, 'three messages').to.equal(3);
    for (let i = 1; i < messages.length; i++) {
      expect(messages[i].at - messages[i - 1].at, 'the delay between two publishes').to.be.at.least(1_900);
      expect(Date.parse(requests[i].sentAt)).to.be.above(Date.parse(requests[i - 1].sentAt));
    }

    // The reply to the first copy still counts; the later copies' replies are duplicates.
    expect(await sendReply(engine.engine.restUrl, requests[0])).to.equal(204);
    await ended(instance.id);
    expect(await sendReply(engine.engine.restUrl, requests[2])).to.equal(400);
    const publishesOf = (id: string) => pubsub.published.filter((m) => echoRequestOf(m).processInstanceId === id);
    const publishedAtEnd = publishesOf(instance.id).length;
    expect(await camunda.jobs({ processInstanceId: instance.id }), 'no timer left to publish again').to.be.empty;
    // Watch until a marker Echo, started now with the same republishAfter, has published again twice: its
    // first re-publish timer fell due after the moment any timer of the ended Echo would have, and its
    // second re-publish comes 2 s after the job executor ran that first one.
    const marker = await startEcho({ republishAfter: 'PT2S' });
    await publishedFor(marker.id, 3);
    expect(publishesOf(instance.id), 'no publish after the reply').to.have.length(publishedAtEnd);
  });

  it('a reply that comes while a re-publish keeps failing ends the Echo: no job, no incident left', async () => {
    const instance = await startEcho({ republishAfter: 'PT1S', publishRetryTimeCycle: 'R100/PT1S' });
    const [message] = await publishedFor(instance.id);
    pubsub.failNext(...Array.from({ length: 50 }, () => ({ status: 503, body: 'unavailable' })));
    await eventually(
      'the re-publish to fail',
      async () => (await camunda.jobs({ processInstanceId: instance.id, withException: 'true' }))[0],
    );

    expect(await sendReply(engine.engine.restUrl, echoRequestOf(message))).to.equal(204);
    await ended(instance.id);
    expect(await camunda.jobs({ processInstanceId: instance.id })).to.be.empty;
    expect(await camunda.incidents({ processInstanceId: instance.id })).to.be.empty;
    expect((await camunda.historicInstance(instance.id))?.state).to.equal('COMPLETED');
  });

  it('refuses a republishAfter that is no duration before anything is published', async () => {
    for (const republishAfter of ['in five minutes', 'PT0.2S']) {
      const answer = await camunda.request('POST', '/process-definition/key/Echo/start', {
        variables: variables({ project: 'test-project', topic: 'echo-requests', republishAfter }),
      });
      expect(answer.status, republishAfter).to.equal(500);
      expect(JSON.stringify(answer.body)).to.contain(
        `republishAfter '${republishAfter}' is not an ISO-8601 duration of at least one second`,
      );
    }
    expect(pubsub.attempts).to.be.empty;
  });

  it('no message start event listens for the reply: an unmatched reply starts nothing', async () => {
    const before = await camunda.count('history/process-instance');
    const answer = await camunda.correlate(
      replyBody({
        messageName: 'echo',
        replyMessageName: 'EchoReply',
        processInstanceId: 'no-such-instance',
        requestId: 'x',
        sentAt: new Date().toISOString(),
      }),
    );
    expect(answer.status).to.equal(400);
    const withoutInstance = await camunda.correlate({
      messageName: 'EchoReply',
      correlationKeys: { requestId: { value: 'x', type: 'String' } },
    });
    expect(withoutInstance.status).to.equal(400);
    expect(await camunda.count('history/process-instance')).to.equal(before);
  });
});
