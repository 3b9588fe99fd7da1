// Poison messages: each must be acked (204, so Pub/Sub stops redelivering it), logged once as
// invalid with a reason, never forwarded to the engine, and must leave the process serving.
import * as functions from '@google-cloud/functions-framework';
import { expect } from 'chai';
import { loadConfig } from '../src/config';
import { createEchoHandler } from '../src/handler';
import { MAX_DATA_BYTES } from '../src/message';
import {
  binaryEvent,
  echoData,
  encodeData,
  pubsubMessage,
  rawPush,
  structuredEvent,
  toBase64,
  withoutField,
  type FunctionRequest,
} from './support/events';
import { FakeEngine } from './support/fake-engine';
import { FunctionServer } from './support/function-server';
import { LogCapture } from './support/log-capture';

const FUNCTION_NAME = 'echo-malformed-under-test';

/** A binary CloudEvent whose Pub/Sub message carries this data field. */
const withData = (data: unknown) => binaryEvent(pubsubMessage(data));
const withJson = (value: unknown) => withData(encodeData(value));

const malformed: Array<[string, FunctionRequest]> = [
  // The Pub/Sub envelope.
  ['data that is not base64', withData('%%% not base64 %%%')],
  ['base64 with a space inside', withData(`${encodeData(echoData()).slice(0, 8)} ${encodeData(echoData()).slice(8)}`)],
  [
    'base64url instead of base64',
    withData(
      toBase64(Buffer.from([0xfb, 0xff, 0xbf]))
        .replace(/\+/g, '-')
        .replace(/\//g, '_'),
    ),
  ],
  ['truncated base64', withData(encodeData(echoData()).slice(0, -3))],
  ['data that is a number', withData(42)],
  ['data that is an object', withData({ messageName: 'echo' })],
  ['empty data', withData('')],
  [
    'an attribute-only message (CloudEvent)',
    binaryEvent(pubsubMessage(undefined, { messageName: 'echo', loop: 'l', iteration: '1' })),
  ],
  ['an attribute-only message (raw push body)', rawPush(pubsubMessage(undefined, { messageName: 'echo' }))],
  [
    'a CloudEvent without a Pub/Sub message',
    { ...binaryEvent(pubsubMessage('x')), body: JSON.stringify({ subscription: 's' }) },
  ],
  [
    'a CloudEvent whose message is a string',
    { ...binaryEvent(pubsubMessage('x')), body: JSON.stringify({ message: 'hello' }) },
  ],
  ['a CloudEvent whose data is an array', { ...binaryEvent(pubsubMessage('x')), body: JSON.stringify([1, 2, 3]) }],
  // (A text/plain body never reaches the handler: the framework's middleware fails on it with a 500.
  // Eventarc and Pub/Sub always send JSON.)
  [
    'a CloudEvent with a binary body',
    {
      ...binaryEvent(pubsubMessage('x')),
      headers: { ...binaryEvent(pubsubMessage('x')).headers, 'content-type': 'application/octet-stream' },
      body: 'not json at all',
    },
  ],
  [
    'a CloudEvent with a binary body that holds a bad envelope',
    {
      ...binaryEvent(pubsubMessage('x')),
      headers: { ...binaryEvent(pubsubMessage('x')).headers, 'content-type': 'application/octet-stream' },
      body: JSON.stringify({ message: { data: '%%%', messageId: '9' } }),
    },
  ],
  [
    'a structured CloudEvent without data',
    {
      path: '/',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', type: 't', source: 's', id: '1' }),
    },
  ],
  // The decoded data.
  ['data that is not UTF-8', withData(toBase64(Buffer.from([0xff, 0xfe, 0x7b, 0x7d])))],
  ['data that is not JSON', withData(toBase64('hello echo'))],
  ['truncated JSON', withData(toBase64('{"messageName":"echo",'))],
  ['JSON null', withJson(null)],
  ['a JSON array', withJson([echoData()])],
  ['a JSON string', withJson('echo')],
  ['a JSON number', withJson(7)],
  ['an empty object', withJson({})],
  ['a missing messageName', withJson(withoutField('messageName'))],
  ['a missing replyMessageName', withJson(withoutField('replyMessageName'))],
  ['a missing processInstanceId', withJson(withoutField('processInstanceId'))],
  ['a missing requestId', withJson(withoutField('requestId'))],
  ['a missing sentAt', withJson(withoutField('sentAt'))],
  ['a numeric messageName', withJson(echoData({ messageName: 1 }))],
  ['a replyMessageName with spaces and quotes', withJson(echoData({ replyMessageName: "Echo Reply'; --" }))],
  ['a replyMessageName of 101 characters', withJson(echoData({ replyMessageName: `E${'x'.repeat(100)}` }))],
  ['an empty processInstanceId', withJson(echoData({ processInstanceId: '' }))],
  ['a processInstanceId with a slash', withJson(echoData({ processInstanceId: '../process-instance' }))],
  ['a numeric requestId', withJson(echoData({ requestId: 12345 }))],
  ['a requestId with a newline', withJson(echoData({ requestId: 'abc\ndef' }))],
  ['a sentAt that is no timestamp', withJson(echoData({ sentAt: 'yesterday' }))],
  ['a sentAt on February 31st', withJson(echoData({ sentAt: '2025-02-31T10:00:00Z' }))],
  ['a negative iteration', withJson(echoData({ iteration: -1 }))],
  ['a fractional iteration', withJson(echoData({ iteration: 1.5 }))],
  ['an iteration given as a string', withJson(echoData({ iteration: '3' }))],
  ['a numeric loop', withJson(echoData({ loop: 5 }))],
  ['a loop name of 101 characters', withJson(echoData({ loop: 'l'.repeat(101) }))],
  ['an unknown message name', withJson(echoData({ messageName: 'launch-missiles' }))],
  ['a message name in the wrong case', withJson(echoData({ messageName: 'Echo' }))],
  ['a __proto__ key and nothing else', withData(toBase64('{"__proto__":{"messageName":"echo"}}'))],
  [
    'a payload nested 10000 levels deep',
    withData(
      toBase64(JSON.stringify(echoData({ payload: null })).replace('null', '['.repeat(10_000) + ']'.repeat(10_000))),
    ),
  ],
  ['a huge payload (over 64 KiB decoded)', withJson(echoData({ payload: 'x'.repeat(MAX_DATA_BYTES) }))],
  ['a huge data field (8 MiB of base64)', withData('A'.repeat(8 * 1024 * 1024))],
];

describe('echo-function malformed messages', () => {
  const engine = new FakeEngine();
  const logs = new LogCapture();
  let server: FunctionServer;

  before(async () => {
    await engine.start();
    functions.cloudEvent(
      FUNCTION_NAME,
      createEchoHandler({ config: loadConfig({ ENGINE_URL: engine.url }), log: logs.logger }),
    );
    server = await FunctionServer.start(FUNCTION_NAME);
  });
  after(async () => {
    await server?.close();
    await engine.close();
  });
  beforeEach(() => {
    engine.reset();
    logs.clear();
  });

  it(`covers at least 30 kinds of malformed input (${malformed.length})`, () => {
    expect(malformed.length).to.be.at.least(30);
  });

  for (const [what, request] of malformed) {
    it(`acks and logs ${what}`, async () => {
      const response = await server.post(request);
      expect(response.status, response.body).to.equal(204);
      const entry = logs.only();
      expect(entry).to.deep.include({ outcome: 'invalid', severity: 'ERROR' });
      expect(entry.reason).to.be.a('string').and.not.equal('');
      expect(entry.reason!.length).to.be.at.most(300);
      expect(entry.message).to.contain(entry.reason);
      expect(entry).not.to.have.property('roundTripMs');
      expect(engine.requests).to.deep.equal([]);
    });
  }

  it('names the message id of an invalid message, and the fields that were valid', async () => {
    const data = echoData({ iteration: 'seven' });
    const message = pubsubMessage(encodeData(data));
    await server.post(binaryEvent(message));
    expect(logs.only()).to.deep.include({
      messageId: message.messageId,
      loop: 'test-loop',
      requestId: data.requestId,
      processInstanceId: data.processInstanceId,
    });
    expect(logs.only().reason).to.match(/^iteration: /);
  });

  it('logs the message id of an attribute-only push, which the framework leaves unconverted', async () => {
    const message = pubsubMessage(undefined, { messageName: 'echo' });
    expect((await server.post(rawPush(message))).status).to.equal(204);
    expect(logs.only()).to.deep.include({ messageId: message.messageId, reason: 'message has no data' });
  });

  it('says why in the reason', async () => {
    const reasons: Array<[FunctionRequest, RegExp]> = [
      [withData('%%%'), /not valid base64/],
      [withData(toBase64(Buffer.from([0xff]))), /not UTF-8/],
      [withData(toBase64('nope')), /not JSON/],
      [withData('A'.repeat(200_000)), /larger than 65536 bytes/],
      [binaryEvent(pubsubMessage(undefined, { messageName: 'echo' })), /no data/],
      [withJson(echoData({ messageName: 'resize' })), /unknown messageName 'resize'/],
      [withJson(withoutField('sentAt')), /^sentAt: /],
    ];
    for (const [request, reason] of reasons) {
      logs.clear();
      await server.post(request);
      expect(logs.only().reason).to.match(reason);
    }
  });

  it('is still forwarding valid messages after all of them, in every encoding', async () => {
    for (const encode of [binaryEvent, structuredEvent, rawPush]) {
      const response = await server.post(encode(pubsubMessage(encodeData(echoData()))));
      expect(response.status).to.equal(204);
    }
    expect(engine.requests).to.have.length(3);
    expect(logs.entries.map((entry) => entry.outcome)).to.deep.equal(['delivered', 'delivered', 'delivered']);
  });
});
