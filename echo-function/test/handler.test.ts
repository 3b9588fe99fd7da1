// The handler as Pub/Sub meets it: registered with the Functions Framework, served by the
// framework's test server on 127.0.0.1, talking to a fake engine. 204 means ack, 500 redelivery.
import * as functions from '@google-cloud/functions-framework';
import { expect } from 'chai';
import { loadConfig } from '../src/config';
import { createEchoHandler, type EchoHandler } from '../src/handler';
import {
  binaryEvent,
  echoData,
  encodeData,
  pubsubMessage,
  rawPush,
  structuredEvent,
  type EchoData,
  type FunctionRequest,
} from './support/events';
import { FakeEngine, noExecutionMatches, type EngineAnswer } from './support/fake-engine';
import { FunctionServer } from './support/function-server';
import { LogCapture } from './support/log-capture';

const FUNCTION_NAME = 'echo-handler-under-test';

describe('echo-function handler', () => {
  const engine = new FakeEngine();
  const logs = new LogCapture();
  let server: FunctionServer;
  let handler: EchoHandler;
  // The framework prints a thrown error with console.error; keep those lines to check them.
  const frameworkErrors: string[] = [];
  const consoleError = console.error;

  before(async () => {
    console.error = (...args: unknown[]) => void frameworkErrors.push(args.map(String).join(' '));
    await engine.start();
    handler = createEchoHandler({
      config: loadConfig({ ENGINE_URL: engine.url, ENGINE_TIMEOUT_MS: '300' }),
      log: logs.logger,
    });
    // Registered once; the indirection lets a test swap in a handler with other options.
    functions.cloudEvent(FUNCTION_NAME, (event: functions.CloudEvent<unknown>) => handler(event));
    server = await FunctionServer.start(FUNCTION_NAME);
  });
  after(async () => {
    console.error = consoleError;
    await server?.close();
    await engine.close();
  });
  beforeEach(() => {
    engine.reset();
    logs.clear();
    frameworkErrors.length = 0;
  });

  const deliver = (
    data: EchoData,
    encode: (message: ReturnType<typeof pubsubMessage>) => FunctionRequest = binaryEvent,
  ) => server.post(encode(pubsubMessage(encodeData(data), { messageName: String(data.messageName) })));

  describe('valid messages in every encoding', () => {
    const encodings: Array<[string, (message: ReturnType<typeof pubsubMessage>) => FunctionRequest]> = [
      ['a binary CloudEvent (Eventarc)', binaryEvent],
      ['a structured CloudEvent', structuredEvent],
      ['a raw Pub/Sub push body', rawPush],
    ];
    for (const [encoding, encode] of encodings) {
      it(`forwards and acks ${encoding}`, async () => {
        const data = echoData();
        const message = pubsubMessage(encodeData(data), { messageName: 'echo', loop: 'test-loop', iteration: '7' });
        const response = await server.post(encode(message));
        expect(response.status).to.equal(204);
        expect(engine.requests).to.have.length(1);
        expect(JSON.parse(engine.requests[0]!.body)).to.deep.include({
          messageName: 'EchoReply',
          processInstanceId: data.processInstanceId,
        });
        expect(logs.only()).to.deep.include({
          outcome: 'delivered',
          severity: 'INFO',
          messageId: message.messageId,
          engineStatus: 204,
        });
      });
    }
  });

  describe('outcomes', () => {
    const outcomes: Array<[string, EngineAnswer, number, string, string]> = [
      ['204', { status: 204 }, 204, 'delivered', 'INFO'],
      ['200', { status: 200, body: [] }, 204, 'delivered', 'INFO'],
      ['400 no execution matches (duplicate or late)', noExecutionMatches(), 204, 'duplicate', 'NOTICE'],
      [
        '400 more than one execution matches',
        {
          status: 400,
          body: {
            type: 'RestException',
            message: "Cannot correlate message 'EchoReply': 2 executions match the correlation keys",
          },
        },
        500,
        'retry',
        'ERROR',
      ],
      ['401', { status: 401 }, 500, 'retry', 'ERROR'],
      ['403', { status: 403, body: 'Forbidden' }, 500, 'retry', 'ERROR'],
      ['404', { status: 404 }, 500, 'retry', 'ERROR'],
      ['429', { status: 429 }, 500, 'retry', 'WARNING'],
      [
        '500 optimistic locking, four times in a row',
        { status: 500, body: { type: 'OptimisticLockingException', message: 'ENGINE-03005', code: 1 } },
        500,
        'retry',
        'WARNING',
      ],
      ['503', { status: 503 }, 500, 'retry', 'WARNING'],
      ['a timeout', { status: 204, delayMs: 2_000 }, 500, 'retry', 'WARNING'],
      ['a dropped connection', { destroy: true }, 500, 'retry', 'WARNING'],
    ];
    for (const [what, answer, functionStatus, outcome, severity] of outcomes) {
      it(`engine ${what}: ${functionStatus === 204 ? 'ack' : 'redeliver'}, outcome ${outcome}`, async () => {
        engine.answer = () => answer;
        const response = await deliver(echoData());
        expect(response.status).to.equal(functionStatus);
        // A conflict is sent again three times before the function gives up.
        expect(engine.requests).to.have.length(what.startsWith('500 optimistic') ? 4 : 1);
        expect(logs.only()).to.deep.include({ outcome, severity });
        // A deliberate retry is reported in one line, without a stack trace.
        if (outcome === 'retry') {
          expect(frameworkErrors).to.have.length(1);
          expect(frameworkErrors[0]).to.match(/^RedeliveryRequested: redelivery requested: [^\n]+$/);
        } else {
          expect(frameworkErrors).to.deep.equal([]);
        }
      });
    }

    it('redelivers when the engine is down, and acks once it is back', async () => {
      const data = echoData();
      const message = pubsubMessage(encodeData(data));
      engine.answer = () => ({ status: 503 });
      expect((await server.post(binaryEvent(message))).status).to.equal(500);
      engine.answer = () => ({ status: 204 });
      expect((await server.post(binaryEvent(message))).status).to.equal(204);
      expect(engine.requests.map((r) => r.body))
        .to.have.length(2)
        .and.satisfy((bodies: string[]) => bodies[0] === bodies[1]);
      expect(logs.entries.map((e) => e.outcome)).to.deep.equal(['retry', 'delivered']);
    });
  });

  describe('the log line', () => {
    it('carries the fields the metrics and the dashboard read', async () => {
      const sentAt = new Date(Date.now() - 1_500).toISOString();
      const data = echoData({ sentAt, loop: 'loop-a', iteration: 42 });
      const message = pubsubMessage(encodeData(data));
      await server.post(binaryEvent(message, { deliveryAttempt: 3 }));
      const entry = logs.only();
      expect(entry).to.deep.include({
        severity: 'INFO',
        outcome: 'delivered',
        messageId: message.messageId,
        deliveryAttempt: 3,
        messageName: 'echo',
        loop: 'loop-a',
        iteration: 42,
        requestId: data.requestId,
        processInstanceId: data.processInstanceId,
        engineStatus: 204,
      });
      expect(entry.roundTripMs).to.be.within(1_500, 10_000);
      expect(entry.engineMs).to.be.a('number').and.at.least(0);
      expect(entry.message).to.be.a('string').and.not.equal('');
    });

    it('computes roundTripMs from sentAt with the injected clock', async () => {
      const previous = handler;
      handler = createEchoHandler({
        config: loadConfig({ ENGINE_URL: engine.url }),
        log: logs.logger,
        now: () => Date.parse('2025-01-01T00:00:02.250Z'),
      });
      try {
        await deliver(echoData({ sentAt: '2025-01-01T00:00:00Z' }));
        await deliver(echoData({ sentAt: '2025-01-01T01:00:00.000000000+01:00' }));
      } finally {
        handler = previous;
      }
      expect(logs.entries.map((entry) => [entry.roundTripMs, entry.engineMs])).to.deep.equal([
        [2_250, 0],
        [2_250, 0],
      ]);
    });

    it('never logs a token or a password', async () => {
      const previous = handler;
      const config = loadConfig({
        ENGINE_URL: engine.url,
        ENGINE_AUTH: 'id-token',
        ENGINE_BASIC_AUTH_USER: 'demo',
        ENGINE_BASIC_AUTH_PASSWORD: 'pa55word',
      });
      handler = createEchoHandler({ config, log: logs.logger, idTokens: { idToken: async () => 'secret-id-token' } });
      try {
        engine.answer = () => ({ status: 401, body: { message: 'Unauthorized' } });
        expect((await deliver(echoData())).status).to.equal(500);
        expect(engine.requests[0]!.headers['x-serverless-authorization']).to.equal('Bearer secret-id-token');
      } finally {
        handler = previous;
      }
      const text = JSON.stringify(logs.entries);
      expect(text).not.to.contain('secret-id-token');
      expect(text).not.to.contain('pa55word');
      expect(text).not.to.contain(Buffer.from('demo:pa55word').toString('base64'));
    });
  });
});
