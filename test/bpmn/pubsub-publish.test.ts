/**
 * bpmn/PubsubPublish.bpmn (with FetchToken and Http) on the real engine against the official Pub/Sub
 * emulator, called from an async activity (fixture PublishCaller); the local metadata server hands out
 * the tokens. What is published must arrive as sent; an unreachable or rejecting Pub/Sub must delay
 * the publish, never drop it.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { startPubsubEmulator, type PubsubEmulator, type ReceivedMessage } from '../../local/pubsub-emulator';
import { startTestEngine, type TestEngine } from '../support/bpmn-engine';
import { eventually, json, variables, type Camunda } from '../support/camunda';

describe('BPMN blocks PubsubPublish and FetchToken (Pub/Sub emulator)', function () {
  this.timeout(60_000);

  let engine: TestEngine;
  let camunda: Camunda;
  let metadata: MetadataServer;
  let emulator: PubsubEmulator;
  let emulatorDir: string;
  let topicNumber = 0;

  before(async function () {
    this.timeout(120_000);
    emulatorDir = mkdtempSync(join(tmpdir(), 'camunda-serverless-pubsub-'));
    [metadata, emulator] = await Promise.all([startMetadataServer(), startPubsubEmulator({ dataDir: emulatorDir })]);
    engine = await startTestEngine({
      settings: { METADATA_URL: metadata.url, PUBSUB_URL: emulator.url },
      fixtures: ['PublishCaller'],
    });
    camunda = engine.camunda;
  });

  after(async () => {
    await engine?.stop();
    await emulator?.stop();
    await metadata?.close();
    if (emulatorDir) rmSync(emulatorDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await camunda?.deleteAll(['PublishCaller']);
    if (emulator && !emulator.running) await emulator.start();
  });

  /** A fresh topic with a pull subscription of the same name. */
  const newTopic = async () => {
    const topic = `blocks-${++topicNumber}`;
    await emulator.createTopic(topic);
    await emulator.createPullSubscription(topic, topic);
    return topic;
  };

  const pullAtLeast = (subscription: string, count: number, timeoutMs = 20_000) => {
    const received: ReceivedMessage[] = [];
    return eventually(
      `${count} message(s) on ${subscription}`,
      async () => {
        received.push(...(await emulator.pull(subscription)));
        return received.length >= count ? received : undefined;
      },
      timeoutMs,
      200,
    );
  };

  const publish = (vars: Parameters<Camunda['start']>[1]) => camunda.start('PublishCaller', vars);

  const waitPublished = (id: string, timeoutMs = 30_000) =>
    eventually(
      `${id} to publish`,
      async () => ((await camunda.currentActivities(id)).includes('Activity_Published') ? true : undefined),
      timeoutMs,
    );

  it('publishes a JSON message with attributes and an ordering key; it arrives as sent', async () => {
    const topic = await newTopic();
    const tokensBefore = metadata.tokensIssued;
    const instance = await publish({
      ...variables({ retryCycle: 'R3/PT1S', project: emulator.project, topic, orderingKey: 'loop-1' }),
      message: json({ hello: 'wörld', n: 1 }),
      attributes: json({ kind: 'test', count: 3, flag: true }),
    });
    await waitPublished(instance.id);

    const [message] = await pullAtLeast(topic, 1);
    expect(JSON.parse(message.data)).to.deep.equal({ hello: 'wörld', n: 1 });
    expect(message.attributes).to.deep.equal({ kind: 'test', count: '3', flag: 'true' });
    expect(message.orderingKey).to.equal('loop-1');

    const vars = await camunda.typedVariables(instance.id);
    expect(vars.messageId.value).to.equal(message.messageId);
    expect(vars.messageIds.type).to.equal('Json');
    expect(JSON.parse(vars.messageIds.value as string)).to.deep.equal([message.messageId]);
    expect(metadata.tokensIssued, 'one token per publish').to.equal(tokensBefore + 1);
  });

  it('publishes plain text without attributes', async () => {
    const topic = await newTopic();
    const instance = await publish(
      variables({ retryCycle: 'R3/PT1S', project: emulator.project, topic, message: 'just text, 100% UTF-8: ✓' }),
    );
    await waitPublished(instance.id);
    const [message] = await pullAtLeast(topic, 1);
    expect(message.data).to.equal('just text, 100% UTF-8: ✓');
    expect(message.attributes).to.deep.equal({});
  });

  it('with the emulator unreachable for a while (stopped, then started with its topic recreated): retries, and nothing is lost', async function () {
    this.timeout(90_000);
    const topic = await newTopic();
    await emulator.stop();
    const instance = await publish({
      ...variables({ retryCycle: 'R60/PT1S', project: emulator.project, topic }),
      message: json({ survive: 'the outage' }),
    });

    const failed = await eventually('two failed attempts', async () => {
      const [job] = await camunda.jobs({ processInstanceId: instance.id, withException: 'true' });
      return job && job.retries <= 58 ? job : undefined;
    });
    expect(failed.exceptionMessage).to.contain('Unable to execute HTTP request');
    expect(await camunda.stacktrace(failed.id)).to.match(/Connection refused/);
    expect(await camunda.currentActivities(instance.id)).to.deep.equal(['Activity_Publish']);

    // Hold the retries back (no token, no publish) until the subscription exists again: a message
    // published to a topic without subscriptions is dropped by Pub/Sub itself.
    metadata.failNext(1_000_000, 503);
    try {
      await emulator.start();
      await emulator.createTopic(topic);
      await emulator.createPullSubscription(topic, topic);
    } finally {
      metadata.failNext(0, 503);
    }
    await waitPublished(instance.id, 30_000);

    const received = await pullAtLeast(topic, 1);
    expect(received.map((m) => JSON.parse(m.data))).to.deep.equal([{ survive: 'the outage' }]);
    expect(await camunda.incidents({ processInstanceId: instance.id })).to.be.empty;
  });

  it("a topic that does not exist (404): an ERROR line with Google's message, the job keeps failing, and it publishes once the topic exists", async () => {
    const topic = `blocks-missing-${++topicNumber}`;
    const instance = await publish({
      ...variables({ retryCycle: 'R60/PT1S', project: emulator.project, topic }),
      message: json({ late: true }),
    });

    const failed = await eventually(
      'the rejected publish',
      async () => (await camunda.jobs({ processInstanceId: instance.id, withException: 'true' }))[0],
    );
    expect(failed.exceptionMessage).to.contain(
      `Pub/Sub rejected the publish to projects/${emulator.project}/topics/${topic}: HTTP 404 NOT_FOUND Topic not found`,
    );
    expect(engine.log()).to.match(
      new RegExp(
        `ERROR .*camundaserverless\\.bpmn\\.PubsubPublish .*topics/${topic}: HTTP 404 NOT_FOUND Topic not found`,
      ),
    );
    // It keeps failing: looked at after one more failed retry, it still waits to publish.
    await eventually('another rejected retry', async () => {
      const [job] = await camunda.jobs({ processInstanceId: instance.id, withException: 'true' });
      return job && job.retries < failed.retries;
    });
    expect(await camunda.currentActivities(instance.id), 'not published, not completed').to.deep.equal([
      'Activity_Publish',
    ]);

    // A message published between the topic and its subscription reaches no subscriber, so the
    // retries are held back (token requests fail) until both exist.
    metadata.failNext(1_000_000, 503);
    try {
      await emulator.createTopic(topic);
      await emulator.createPullSubscription(topic, topic);
    } finally {
      metadata.failNext(0, 503);
    }
    await waitPublished(instance.id);
    expect((await pullAtLeast(topic, 1)).map((m) => m.data)).to.deep.equal(['{"late":true}']);
  });

  it('FetchToken: a metadata server error (503) retries; a refusal (404) logs an ERROR and retries too', async () => {
    const topic = await newTopic();
    metadata.failNext(1, 503);
    const first = await publish({
      ...variables({ retryCycle: 'R10/PT1S', project: emulator.project, topic, message: 'after a 503' }),
    });
    await waitPublished(first.id);

    metadata.failNext(2, 404);
    const second = await publish({
      ...variables({ retryCycle: 'R10/PT1S', project: emulator.project, topic, message: 'after a 404' }),
    });
    const failed = await eventually(
      'the refused token request',
      async () => (await camunda.jobs({ processInstanceId: second.id, withException: 'true' }))[0],
    );
    expect(failed.exceptionMessage).to.contain(
      'FetchToken: the metadata server refused the token request: HTTP 404 from GET',
    );
    expect(engine.log()).to.match(/ERROR .*camundaserverless\.bpmn\.FetchToken .*HTTP 404/);
    await waitPublished(second.id);

    const received = await pullAtLeast(topic, 2);
    expect(received.map((m) => m.data).sort()).to.deep.equal(['after a 404', 'after a 503']);
  });
});
