// The echo function's 48 malformed inputs, ported to the v1 message. Each is acked (204, so Pub/Sub stops
// redelivering it), logged once with a reason, never handed to the handler, and leaves the worker
// serving. What else happens depends on what is left of the message: without a usable processInstanceId
// and requestId nothing can be answered (invalid, no engine call); another task type's message is not
// this worker's (unknown-task, no engine call); any other flaw gets one `failed` reply naming it.
import * as functions from '@google-cloud/functions-framework';
import { expect } from 'chai';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { MAX_DATA_BYTES } from '../src/message';
import { pushWorker } from '../src/worker';
import {
  binaryEvent,
  encodeData,
  pubsubMessage,
  rawPush,
  structuredEvent,
  taskData,
  TASK_TYPE,
  toBase64,
  withoutField,
  type FunctionRequest,
} from './support/events';
import { FakeEngine } from './support/fake-engine';
import { FunctionServer } from './support/function-server';
import { LogCapture } from './support/log-capture';

const FUNCTION_NAME = 'push-worker-malformed-under-test';

/** A binary CloudEvent whose Pub/Sub message carries this data field. */
const withData = (data: unknown) => binaryEvent(pubsubMessage(data));
const withJson = (value: unknown) => withData(encodeData(value));
const octetStream = (body: string): FunctionRequest => {
  const event = binaryEvent(pubsubMessage('x'));
  return { ...event, headers: { ...event.headers, 'content-type': 'application/octet-stream' }, body };
};

type Expected = 'invalid' | 'unknown-task' | 'failed';

const malformed: Array<[string, FunctionRequest, Expected]> = [
  // The Pub/Sub envelope.
  ['data that is not base64', withData('%%% not base64 %%%'), 'invalid'],
  [
    'base64 with a space inside',
    withData(`${encodeData(taskData()).slice(0, 8)} ${encodeData(taskData()).slice(8)}`),
    'invalid',
  ],
  [
    'base64url instead of base64',
    withData(
      toBase64(Buffer.from([0xfb, 0xff, 0xbf]))
        .replace(/\+/g, '-')
        .replace(/\//g, '_'),
    ),
    'invalid',
  ],
  ['truncated base64', withData(encodeData(taskData()).slice(0, -3)), 'invalid'],
  ['data that is a number', withData(42), 'invalid'],
  ['data that is an object', withData({ taskType: TASK_TYPE }), 'invalid'],
  ['empty data', withData(''), 'invalid'],
  [
    'an attribute-only message (CloudEvent)',
    binaryEvent(pubsubMessage(undefined, { taskType: TASK_TYPE, version: '1' })),
    'invalid',
  ],
  ['an attribute-only message (raw push body)', rawPush(pubsubMessage(undefined, { taskType: TASK_TYPE })), 'invalid'],
  [
    'a CloudEvent without a Pub/Sub message',
    { ...binaryEvent(pubsubMessage('x')), body: JSON.stringify({ subscription: 's' }) },
    'invalid',
  ],
  [
    'a CloudEvent whose message is a string',
    { ...binaryEvent(pubsubMessage('x')), body: JSON.stringify({ message: 'hello' }) },
    'invalid',
  ],
  [
    'a CloudEvent whose data is an array',
    { ...binaryEvent(pubsubMessage('x')), body: JSON.stringify([1, 2, 3]) },
    'invalid',
  ],
  // (A text/plain body never reaches the handler: the framework's middleware fails on it with a 500.)
  ['a CloudEvent with a binary body', octetStream('not json at all'), 'invalid'],
  [
    'a CloudEvent with a binary body that holds a bad envelope',
    octetStream(JSON.stringify({ message: { data: '%%%', messageId: '9' } })),
    'invalid',
  ],
  [
    'a structured CloudEvent without data',
    {
      path: '/',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', type: 't', source: 's', id: '1' }),
    },
    'invalid',
  ],
  // The decoded data.
  ['data that is not UTF-8', withData(toBase64(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))), 'invalid'],
  ['data that is not JSON', withData(toBase64('hello worker')), 'invalid'],
  ['truncated JSON', withData(toBase64('{"version":1,')), 'invalid'],
  ['JSON null', withJson(null), 'invalid'],
  ['a JSON array', withJson([taskData()]), 'invalid'],
  ['a JSON string', withJson('price-order'), 'invalid'],
  ['a JSON number', withJson(7), 'invalid'],
  ['an empty object', withJson({}), 'invalid'],
  ['a missing taskType', withJson(withoutField('taskType')), 'unknown-task'],
  ['a missing version', withJson(withoutField('version')), 'failed'],
  ['a missing processInstanceId', withJson(withoutField('processInstanceId')), 'invalid'],
  ['a missing requestId', withJson(withoutField('requestId')), 'invalid'],
  ['a missing sentAt', withJson(withoutField('sentAt')), 'failed'],
  ['a numeric taskType', withJson(taskData({ taskType: 1 })), 'unknown-task'],
  ['a taskType with spaces and quotes', withJson(taskData({ taskType: "price order'; --" })), 'unknown-task'],
  ['a taskType of 64 characters', withJson(taskData({ taskType: `p${'x'.repeat(63)}` })), 'unknown-task'],
  ['an empty processInstanceId', withJson(taskData({ processInstanceId: '' })), 'invalid'],
  ['a processInstanceId with a slash', withJson(taskData({ processInstanceId: '../process-instance' })), 'invalid'],
  ['a numeric requestId', withJson(taskData({ requestId: 12345 })), 'invalid'],
  ['a requestId with a newline', withJson(taskData({ requestId: 'abc\ndef' })), 'invalid'],
  ['a sentAt that is no timestamp', withJson(taskData({ sentAt: 'yesterday' })), 'failed'],
  ['a sentAt on February 31st', withJson(taskData({ sentAt: '2025-02-31T10:00:00Z' })), 'failed'],
  ['a negative version', withJson(taskData({ version: -1 })), 'failed'],
  ['a fractional version', withJson(taskData({ version: 1.5 })), 'failed'],
  ['a version given as a string', withJson(taskData({ version: '1' })), 'failed'],
  ['a numeric deadline', withJson(taskData({ deadline: 5 })), 'failed'],
  ['a deadline that is no timestamp', withJson(taskData({ deadline: 'tomorrow' })), 'failed'],
  ['an unknown task type', withJson(taskData({ taskType: 'launch-missiles' })), 'unknown-task'],
  ['a task type in the wrong case', withJson(taskData({ taskType: 'Price-Order' })), 'unknown-task'],
  ['a __proto__ key and nothing else', withData(toBase64('{"__proto__":{"taskType":"price-order"}}')), 'invalid'],
  [
    'a payload nested 10000 levels deep',
    withData(
      toBase64(JSON.stringify(taskData({ payload: null })).replace('null', '['.repeat(10_000) + ']'.repeat(10_000))),
    ),
    'failed',
  ],
  ['a huge payload (over 64 KiB decoded)', withJson(taskData({ payload: 'x'.repeat(MAX_DATA_BYTES) })), 'invalid'],
  ['a huge data field (8 MiB of base64)', withData('A'.repeat(8 * 1024 * 1024)), 'invalid'],
];

describe('push worker malformed messages', () => {
  const engine = new FakeEngine();
  const logs = new LogCapture();
  let server: FunctionServer;
  let handled = 0;

  before(async () => {
    await engine.start();
    const worker = pushWorker({
      taskType: TASK_TYPE,
      payload: z.unknown(),
      handler: () => void handled++,
      config: loadConfig({ ENGINE_URL: engine.url }),
      log: logs.logger,
    });
    functions.cloudEvent(FUNCTION_NAME, worker);
    server = await FunctionServer.start(FUNCTION_NAME);
  });
  after(async () => {
    await server?.close();
    await engine.close();
  });
  beforeEach(() => {
    engine.reset();
    logs.clear();
    handled = 0;
  });

  it(`covers the echo function's 48 kinds of malformed input (${malformed.length})`, () => {
    expect(malformed.length).to.equal(48);
  });

  for (const [what, request, expected] of malformed) {
    it(`acks ${what}: ${expected}`, async () => {
      const response = await server.post(request);
      expect(response.status, response.body).to.equal(204);
      const line = logs.only();
      expect(line).to.deep.include({ outcome: expected, severity: 'ERROR', taskType: TASK_TYPE });
      expect(line.reason).to.be.a('string').and.not.equal('');
      expect(line.reason!.length).to.be.at.most(300);
      expect(line.message).to.contain(expected === 'failed' ? 'malformed message' : line.reason);
      expect(handled).to.equal(0);
      if (expected !== 'failed') {
        expect(line).not.to.have.property('roundTripMs');
        expect(engine.requests).to.deep.equal([]);
        return;
      }
      expect(engine.requests).to.have.length(1);
      const variables = JSON.parse(engine.requests[0]!.body).processVariables;
      expect(variables.pushOutcome.value).to.equal('failed');
      expect(variables.pushErrorMessage.value).to.equal(`malformed message: ${line.reason}`);
    });
  }

  it('names the message id of an invalid message, and the fields that were valid', async () => {
    const data = taskData({ requestId: 7 });
    const message = pubsubMessage(encodeData(data));
    await server.post(binaryEvent(message));
    expect(logs.only()).to.deep.include({ messageId: message.messageId, processInstanceId: data.processInstanceId });
    expect(logs.only().reason).to.match(/^requestId: /);
  });

  it('says why in the reason', async () => {
    const reasons: Array<[FunctionRequest, RegExp]> = [
      [withData('%%%'), /not valid base64/],
      [withData(toBase64(Buffer.from([0xff]))), /not UTF-8/],
      [withData(toBase64('nope')), /not JSON/],
      [withData('A'.repeat(200_000)), /larger than 65536 bytes/],
      [binaryEvent(pubsubMessage(undefined, { taskType: TASK_TYPE })), /no data/],
      [withJson(taskData({ taskType: 'resize' })), /taskType 'resize' is not handled here/],
      [withJson(withoutField('sentAt')), /^sentAt: /],
      [withJson(withoutField('version')), /unsupported message version none/],
      [
        withJson(taskData({ payload: JSON.parse('['.repeat(150) + ']'.repeat(150)) })),
        /^payload: nests deeper than 100/,
      ],
    ];
    for (const [request, reason] of reasons) {
      logs.clear();
      await server.post(request);
      expect(logs.only().reason).to.match(reason);
    }
  });

  it('is still running valid messages after all of them, in every encoding', async () => {
    for (const encode of [binaryEvent, structuredEvent, rawPush]) {
      expect((await server.post(encode(pubsubMessage(encodeData(taskData()))))).status).to.equal(204);
    }
    expect(handled).to.equal(3);
    expect(logs.deliveries().map((line) => line.outcome)).to.deep.equal(['completed', 'completed', 'completed']);
  });
});
