/**
 * bpmn/EchoLoop.bpmn (calling PushTask with task type echo) on the real engine with an automatic
 * replier: a local Pub/Sub stand-in whose every publish is answered by a reply through
 * POST /engine-rest/message, as the echo function would. The chain must never break (every iteration
 * follows the one before) and never multiply (exactly one PushTask instance per loop at any time),
 * through publish failures, duplicate publishes and duplicate replies.
 */
import { expect } from 'chai';

import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startTestEngine, type TestEngine } from '../support/bpmn-engine';
import { eventually, sleep, variables, type Camunda } from '../support/camunda';
import { FakePubsub, type PublishedMessage } from '../support/fake-pubsub';
import { echoTaskOf, sendReply, type EchoTask } from './echo-replier';

/** The loop and iteration of a published echo task. */
const echoRequestOf = (message: PublishedMessage) => {
  const task = echoTaskOf(message);
  return { ...task, loop: task.payload.loop, iteration: task.payload.iteration };
};

describe('BPMN block EchoLoop', function () {
  this.timeout(60_000);

  let engine: TestEngine;
  let camunda: Camunda;
  let metadata: MetadataServer;
  const pubsub = new FakePubsub();

  before(async function () {
    this.timeout(120_000);
    metadata = await startMetadataServer();
    await pubsub.start();
    engine = await startTestEngine({ settings: { METADATA_URL: metadata.url, PUBSUB_URL: pubsub.url } });
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

  const startLoop = (name: string, vars: Record<string, string | number> = {}) =>
    camunda.start(
      'EchoLoop',
      variables({ project: 'test-project', topic: 'echo-requests', publishRetryTimeCycle: 'R20/PT1S', ...vars }),
      name,
    );

  const publishedOf = (loop: string, iteration: number, timeoutMs = 30_000) =>
    eventually(
      `${loop} to publish iteration ${iteration}`,
      async () =>
        pubsub.published.find((m) => echoRequestOf(m).loop === loop && echoRequestOf(m).iteration === iteration),
      timeoutMs,
    );

  /** Jobs of process instances (the history cleanup job has none). */
  const processJobs = async () => (await camunda.jobs()).filter((job) => job.processInstanceId !== null);

  /** The loop's PushTask instances (business key = loop name): one at any time in a healthy loop. */
  const activeEchos = (loop: string) =>
    camunda.processInstances({ processDefinitionKey: 'PushTask', businessKey: loop });

  /** Published and waiting for the reply: its subscription is there and no job of the instance is due. */
  const waitsForReply = async (processInstanceId: string) =>
    (await camunda.count('event-subscription', { processInstanceId, eventName: 'PushTaskReply' })) === 1 &&
    (await camunda.jobs({ processInstanceId, executable: 'true' })).length === 0;

  /** Until every active PushTask of the loop has published and waits for its reply: nothing is left to run. */
  const atRest = (loop: string) =>
    eventually(`${loop} to wait for a reply with nothing left to run`, async () => {
      const echos = await activeEchos(loop);
      if (echos.length === 0) return undefined;
      for (const echo of echos) if (!(await waitsForReply(echo.id))) return undefined;
      const due = await camunda.jobs({ executable: 'true' });
      return due.every((job) => job.processInstanceId === null) || undefined;
    });

  it('runs 200 iterations with an automatic replier: exactly one PushTask at every sample, no gap, no incident', async function () {
    this.timeout(180_000);
    const LAST = 200;
    const replies: Array<{ request: EchoTask & { iteration: number }; status: number }> = [];
    // Active PushTask instances seen at each publish, by iteration: one sample per iteration however fast the loop turns.
    const atPublish = new Map<number, number[]>();
    // Faults on the way: publishes that fail before and after reaching Pub/Sub, and duplicate replies.
    const faults: Record<number, (m: PublishedMessage) => void> = {
      17: () => pubsub.failNext({ status: 503, body: 'unavailable' }),
      60: () => pubsub.publishThenFail('drop'),
      111: () => pubsub.failNext('drop', { status: 429, body: 'slow down' }),
    };
    const duplicateReplyAt = new Set([5, 99, 150]);
    pubsub.afterAnswer = async (message) => {
      const request = echoRequestOf(message);
      const iteration = request.iteration ?? -1;
      faults[iteration + 1]?.(message);
      const active = (await activeEchos('loop-200')).length;
      atPublish.set(iteration, [...(atPublish.get(iteration) ?? []), active]);
      if (iteration > LAST) return; // the loop waits in iteration LAST + 1
      const status = await sendReply(engine.engine.restUrl, request);
      replies.push({ request, status });
      if (duplicateReplyAt.has(iteration))
        replies.push({ request, status: await sendReply(engine.engine.restUrl, request) });
    };

    const tokensBefore = metadata.tokensIssued;
    const loop = await startLoop('loop-200');
    // And samples in between, wherever they fall: a moment with no PushTask or with two fails them.
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling || samples.length < 3) {
        samples.push((await activeEchos('loop-200')).length);
        await sleep(20);
      }
    })();
    try {
      await publishedOf('loop-200', LAST + 1, 150_000);
      await eventually(`the sample at the publish of iteration ${LAST + 1}`, async () => atPublish.has(LAST + 1));
    } finally {
      sampling = false;
      await sampler;
    }

    expect(
      [...atPublish.keys()].sort((a, b) => a - b),
      'iterations sampled at their publish',
    ).to.deep.equal(Array.from({ length: LAST + 1 }, (_, i) => i + 1));
    expect(
      [...atPublish].filter(([, counts]) => counts.some((n) => n !== 1)),
      'publishes that saw other than one active PushTask',
    ).to.deep.equal([]);
    expect(
      samples.filter((n) => n !== 1),
      'samples with other than one active PushTask',
    ).to.deep.equal([]);
    expect(await camunda.incidents()).to.deep.equal([]);

    // The engine holds its access token in memory: at most one fetch for all 201 publishes, each with it.
    expect(metadata.tokensIssued - tokensBefore, 'tokens fetched during the loop').to.be.at.most(1);
    const loopMessages = pubsub.published.filter((m) => echoRequestOf(m).loop === 'loop-200');
    expect(new Set(loopMessages.map((m) => m.authorization))).to.deep.equal(new Set([`Bearer ${metadata.lastToken}`]));

    // Every iteration was published after the one before it was replied to, and replied to once.
    const published = pubsub.published.map(echoRequestOf).filter((r) => r.loop === 'loop-200');
    const iterations = [...new Set(published.map((r) => r.iteration))];
    expect(iterations).to.deep.equal(Array.from({ length: LAST + 1 }, (_, i) => i + 1));
    // Sorted: the engine publishes the next iteration at the reply's commit, so on a busy machine the
    // replier can see the next reply answered before this one's answer has reached it.
    const accepted = replies.filter((r) => r.status === 204).map((r) => r.request.iteration!);
    expect(accepted.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: LAST }, (_, i) => i + 1));
    const refused = replies.filter((r) => r.status !== 204);
    expect(
      refused.every((r) => r.status === 400),
      'every other reply is a duplicate (400)',
    ).to.equal(true);
    // The publish at 60 whose answer was dropped is published again only if its retry runs before the
    // reply to the first copy has ended that PushTask; then the second copy's reply is one more 400.
    expect(refused.length, 'duplicate replies (and the reply to a duplicate publish)').to.be.oneOf([
      duplicateReplyAt.size,
      duplicateReplyAt.size + 1,
    ]);
    // One request id per iteration, however often it was published.
    for (const iteration of iterations) {
      const ids = new Set(
        published.filter((r) => r.iteration === iteration).map((r) => `${r.processInstanceId}/${r.requestId}`),
      );
      expect(ids.size, `iteration ${iteration}`).to.equal(1);
    }

    const [active] = await activeEchos('loop-200');
    const { payload } = await camunda.typedVariables(active.id);
    expect(JSON.parse(payload.value as string), 'the task in flight').to.deep.equal({
      loop: 'loop-200',
      iteration: LAST + 1,
    });
    expect(
      await camunda.count('history/process-instance', {
        processDefinitionKey: 'PushTask',
        processInstanceBusinessKey: 'loop-200',
        completed: 'true',
      } as Record<string, string>),
    ).to.equal(LAST);

    // The loop's own variables do not grow with the iteration count.
    const loopVariables = await camunda.typedVariables(loop.id);
    expect(Object.keys(loopVariables).sort()).to.deep.equal([
      'iteration',
      'loop',
      'project',
      'publishRetryTimeCycle',
      'topic',
    ]);
    expect(loopVariables.iteration).to.deep.include({ value: LAST + 1, type: 'Integer' });
  });

  it("hands PushTask the loop's optional settings, and only those the loop has (no Null variables)", async () => {
    await startLoop('loop-settings', { republishAfter: 'PT45S' });
    await camunda.start('EchoLoop', variables({ project: 'test-project', topic: 'echo-requests' }), 'loop-bare');
    const pushTaskOf = (loop: string) => eventually(`${loop}'s PushTask`, async () => (await activeEchos(loop))[0]);

    const withSettings = await camunda.typedVariables((await pushTaskOf('loop-settings')).id);
    expect(withSettings.publishRetryTimeCycle).to.deep.include({ value: 'R20/PT1S', type: 'String' });
    expect(withSettings.republishAfter).to.deep.include({ value: 'PT45S', type: 'String' });
    const bare = await camunda.typedVariables((await pushTaskOf('loop-bare')).id);
    expect(bare).to.include.keys('project', 'topic', 'taskType', 'payload', 'attributes');
    expect(bare).not.to.have.any.keys('publishRetryTimeCycle', 'republishAfter');
  });

  it('stops cleanly on the message StopEchoLoop: no PushTask, job, subscription or incident left behind', async () => {
    pubsub.afterAnswer = async (message) => {
      if ((echoRequestOf(message).iteration ?? 0) < 3) await sendReply(engine.engine.restUrl, echoRequestOf(message));
    };
    const loop = await startLoop('loop-stop');
    const waiting = echoRequestOf(await publishedOf('loop-stop', 3));
    // A stop that meets the running publish job fails on optimistic locking (500: send it again, as
    // bpmn/README.md says and local/stack.ts does); this test is about a stop that gets through.
    await eventually('the publish of iteration 3 to be done', async () => {
      const [echo] = await activeEchos('loop-stop');
      return echo && (await waitsForReply(echo.id));
    });

    const stop = await camunda.correlate({ messageName: 'StopEchoLoop', businessKey: 'loop-stop' });
    expect(stop.status).to.equal(204);
    expect(await camunda.isRunning(loop.id)).to.equal(false);
    expect((await camunda.historicInstance(loop.id))?.state).to.equal('COMPLETED');
    const endEvents = (await camunda.activities(loop.id)).filter((a) => a.activityType.endsWith('EndEvent'));
    expect(endEvents.map((a) => a.activityId)).to.deep.equal(['Event_LoopStopped']);
    expect(await activeEchos('loop-stop')).to.deep.equal([]);
    expect(await processJobs()).to.deep.equal([]);
    expect(await camunda.count('event-subscription')).to.equal(0);
    expect(await camunda.incidents()).to.deep.equal([]);

    // The reply to the cancelled iteration arrives later: 400, nothing starts.
    expect(await sendReply(engine.engine.restUrl, waiting)).to.equal(400);
    expect(await camunda.count('process-instance')).to.equal(0);
    // A second stop finds nothing to stop.
    expect((await camunda.correlate({ messageName: 'StopEchoLoop', businessKey: 'loop-stop' })).status).to.equal(400);
  });

  it('keeps one StopEchoLoop subscription for the whole loop: no iteration stores it anew', async () => {
    pubsub.afterAnswer = async (message) => {
      if ((echoRequestOf(message).iteration ?? 0) < 5) await sendReply(engine.engine.restUrl, echoRequestOf(message));
    };
    const loop = await startLoop('loop-one-subscription');
    const stopSubscriptions = () =>
      camunda.expectOk<Array<{ id: string; processInstanceId: string }>>(
        'GET',
        `/event-subscription?eventName=StopEchoLoop&processInstanceId=${loop.id}`,
      );
    const first = await stopSubscriptions();
    expect(first, 'right after the start').to.have.length(1);
    await publishedOf('loop-one-subscription', 5);
    await atRest('loop-one-subscription');
    expect(await stopSubscriptions(), 'after four iterations').to.deep.equal(first);
  });

  it('stops cleanly when cancelled through REST (DELETE of the loop instance)', async () => {
    pubsub.failNext({ status: 503 }, { status: 503 }, { status: 503 });
    const loop = await startLoop('loop-delete', { publishRetryTimeCycle: 'R50/PT1S' });
    await eventually('a failed publish', async () => (await camunda.jobs({ withException: 'true' }))[0]);
    await camunda.deleteInstance(loop.id);
    expect(await camunda.count('process-instance')).to.equal(0);
    expect(await processJobs()).to.deep.equal([]);
    expect(await camunda.incidents()).to.deep.equal([]);
  });

  it('two loops run side by side, each its own chain; a second loop of one name is refused', async () => {
    pubsub.afterAnswer = async (message) => {
      if ((echoRequestOf(message).iteration ?? 0) < 5) await sendReply(engine.engine.restUrl, echoRequestOf(message));
    };
    await startLoop('loop-x');
    await startLoop('loop-y');
    const duplicate = await camunda.request('POST', '/process-definition/key/EchoLoop/start', {
      businessKey: 'loop-x',
      variables: variables({ project: 'test-project', topic: 'echo-requests' }),
    });
    expect(duplicate.status).to.equal(500);
    expect(JSON.stringify(duplicate.body)).to.contain("an EchoLoop named 'loop-x' is already running");

    await publishedOf('loop-x', 5);
    await publishedOf('loop-y', 5);
    // Unreplied, iteration 5 is where each loop comes to rest: counted once nothing is left to run.
    await atRest('loop-x');
    await atRest('loop-y');
    expect((await activeEchos('loop-x')).length).to.equal(1);
    expect((await activeEchos('loop-y')).length).to.equal(1);
    expect(await camunda.count('process-instance', { processDefinitionKey: 'EchoLoop' })).to.equal(2);
  });

  it('refuses to start without a loop name, project or topic, or with a republishAfter that is no duration', async () => {
    for (const [businessKey, vars, reason] of [
      [undefined, { project: 'p-1', topic: 'echo-requests' }, 'needs a business key'],
      ['loop-z', { topic: 'echo-requests' }, "needs the variable 'project'"],
      ['loop-z', { project: 'p-1' }, "needs the variable 'topic'"],
      // Checked by the first PushTask, inside the start request.
      [
        'loop-z',
        { project: 'p-1', topic: 'echo-requests', republishAfter: 'soon' },
        "republishAfter 'soon' is not an ISO-8601 duration",
      ],
      ['loop-z', { project: 'p-1', topic: 'echo-requests', republishAfter: 'PT0S' }, 'of at least one second'],
    ] as const) {
      const answer = await camunda.request('POST', '/process-definition/key/EchoLoop/start', {
        ...(businessKey ? { businessKey } : {}),
        variables: variables(vars),
      });
      expect(answer.status).to.equal(500);
      expect(JSON.stringify(answer.body)).to.contain(reason);
    }
    expect(await camunda.count('process-instance')).to.equal(0);
  });

  it('continues from a given iteration number', async () => {
    await startLoop('loop-continued', { iteration: 41 });
    expect(echoRequestOf(await publishedOf('loop-continued', 42)).iteration).to.equal(42);
  });
});
