// The echo worker as Pub/Sub meets it: registered with the Functions Framework, served by the
// framework's test server on 127.0.0.1, talking to a fake engine. 204 means ack, 500 redelivery.
// What every push worker does (envelopes, poison messages, configuration, ID tokens) is tested in
// worker/test; here the echo task's own behaviour, through the library as it is deployed.
import { loadConfig } from '@camunda-serverless/worker';
import * as functions from '@google-cloud/functions-framework';
import { expect } from 'chai';
import { echoWorker, type EchoWorkerOverrides } from '../src/echo';
import {
  binaryEvent,
  echoAttributes,
  echoData,
  encodeData,
  pubsubMessage,
  rawPush,
  structuredEvent,
  type FunctionRequest,
  type TaskData,
} from './support/events';
import { FakeEngine, noExecutionMatches, type EngineAnswer } from '../../worker/test/support/fake-engine';
import { FunctionServer } from '../../worker/test/support/function-server';
import { LogCapture } from './support/log-capture';

const FUNCTION_NAME = 'echo-handler-under-test';
// The engine call's deadline: roomy, so that a busy machine never turns a fake engine's quick answer
// into a timeout; short only where a test makes the engine answer too late on purpose.
const ROOMY_TIMEOUT_MS = '10000';
const SHORT_TIMEOUT_MS = '300';
type Worker = ReturnType<typeof echoWorker>;
type Encode = (message: ReturnType<typeof pubsubMessage>) => FunctionRequest;

/** The reply body the engine received, parsed. */
interface Reply {
  messageName: string;
  processInstanceId: string;
  correlationKeys: { requestId: { value: string; type: string } };
  processVariables: Record<string, { value: unknown; type: string }>;
}

describe('echo-function: the echo worker', () => {
  const engine = new FakeEngine();
  const logs = new LogCapture();
  let server: FunctionServer;
  let worker: Worker;
  // The framework prints a thrown error with console.error; keep them out of the test output.
  const consoleError = console.error;

  const configure = (env: Record<string, string>, more: EchoWorkerOverrides = {}): Worker =>
    echoWorker({ config: loadConfig({ ENGINE_URL: engine.url, ...env }), log: logs.logger, ...more });

  before(async () => {
    console.error = () => undefined;
    await engine.start();
    worker = configure({ ENGINE_TIMEOUT_MS: ROOMY_TIMEOUT_MS });
    // Registered once; the indirection lets a test swap in a worker with other options.
    functions.cloudEvent(FUNCTION_NAME, (event: functions.CloudEvent<unknown>) => worker(event));
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
    worker = configure({ ENGINE_TIMEOUT_MS: ROOMY_TIMEOUT_MS });
  });

  const deliver = (data: TaskData, encode: Encode = binaryEvent) =>
    server.post(encode(pubsubMessage(encodeData(data), echoAttributes())));
  const replies = (): Reply[] => engine.requests.map((request) => JSON.parse(request.body) as Reply);

  describe('a valid echo task in every encoding', () => {
    const encodings: Array<[string, Encode]> = [
      ['a binary CloudEvent (Eventarc)', binaryEvent],
      ['a structured CloudEvent', structuredEvent],
      ['a raw Pub/Sub push body', rawPush],
    ];
    for (const [encoding, encode] of encodings) {
      it(`echoes the payload back as the result and acks ${encoding}`, async () => {
        const data = echoData();
        const message = pubsubMessage(encodeData(data), echoAttributes());
        expect((await server.post(encode(message))).status).to.equal(204);
        expect(replies()).to.have.length(1);
        const [reply] = replies();
        expect(reply).to.deep.include({
          messageName: 'PushTaskReply',
          processInstanceId: data.processInstanceId,
          correlationKeys: { requestId: { value: data.requestId, type: 'String' } },
        });
        expect(reply!.processVariables.pushOutcome).to.deep.equal({ value: 'completed', type: 'String' });
        expect(reply!.processVariables.result!.type).to.equal('Json');
        expect(JSON.parse(reply!.processVariables.result!.value as string)).to.deep.equal(data.payload);
        expect(logs.only()).to.deep.include({ outcome: 'completed', messageId: message.messageId, engineStatus: 204 });
      });
    }

    it('echoes a task without a payload of its own: loop and iteration come back', async () => {
      const data = echoData({ payload: { loop: 'main', iteration: 0 } });
      expect((await deliver(data)).status).to.equal(204);
      expect(JSON.parse(replies()[0]!.processVariables.result!.value as string)).to.deep.equal({
        loop: 'main',
        iteration: 0,
      });
    });
  });

  describe('a payload that is not what EchoLoop sends', () => {
    const broken: Array<[string, unknown]> = [
      ['no payload', undefined],
      ['no loop', { iteration: 1 }],
      ['an empty loop name', { loop: '', iteration: 1 }],
      ['a loop name with a control character', { loop: 'a\nb', iteration: 1 }],
      ['a loop name of 101 characters', { loop: 'x'.repeat(101), iteration: 1 }],
      ['no iteration', { loop: 'main' }],
      ['a negative iteration', { loop: 'main', iteration: -1 }],
      ['a fractional iteration', { loop: 'main', iteration: 1.5 }],
      ['an iteration as text', { loop: 'main', iteration: '7' }],
    ];
    for (const [what, payload] of broken) {
      it(`${what}: one failed reply (PushTask raises PushTaskFailed), acked`, async () => {
        const data = echoData({ payload });
        if (payload === undefined) delete data.payload;
        expect((await deliver(data)).status).to.equal(204);
        expect(replies()).to.have.length(1);
        expect(replies()[0]!.processVariables.pushOutcome).to.deep.equal({ value: 'failed', type: 'String' });
        expect(logs.only()).to.deep.include({ outcome: 'failed' });
      });
    }
  });

  describe('engine answers', () => {
    const outcomes: Array<[string, EngineAnswer, number, string]> = [
      ['204', { status: 204 }, 204, 'completed'],
      ['400 no execution matches (duplicate or late)', noExecutionMatches(), 204, 'duplicate'],
      ['401', { status: 401 }, 500, 'retry'],
      ['429', { status: 429 }, 500, 'retry'],
      ['503', { status: 503 }, 500, 'retry'],
      ['a timeout', { status: 204, delayMs: 2_000 }, 500, 'retry'],
      ['a dropped connection', { destroy: true }, 500, 'retry'],
    ];
    for (const [what, answer, functionStatus, outcome] of outcomes) {
      it(`engine ${what}: ${functionStatus === 204 ? 'ack' : 'redeliver'}, outcome ${outcome}`, async () => {
        engine.answer = () => answer;
        if ('delayMs' in answer) worker = configure({ ENGINE_TIMEOUT_MS: SHORT_TIMEOUT_MS });
        expect((await deliver(echoData())).status).to.equal(functionStatus);
        expect(logs.only()).to.deep.include({ outcome });
      });
    }

    it('sends a reply again at once when the engine answers 500 OptimisticLockingException', async () => {
      let conflicts = 2;
      engine.answer = () =>
        conflicts-- > 0
          ? { status: 500, body: { type: 'OptimisticLockingException', message: 'ENGINE-03005', code: 1 } }
          : { status: 204 };
      expect((await deliver(echoData())).status).to.equal(204);
      expect(engine.requests).to.have.length(3);
      expect(logs.only()).to.deep.include({ outcome: 'completed', conflicts: 2 });
    });

    it('redelivers when the engine is down, and acks the same reply once it is back', async () => {
      const message = pubsubMessage(encodeData(echoData()), echoAttributes());
      engine.answer = () => ({ status: 503 });
      expect((await server.post(binaryEvent(message))).status).to.equal(500);
      engine.answer = () => ({ status: 204 });
      expect((await server.post(binaryEvent(message))).status).to.equal(204);
      const [first, second] = engine.requests.map((request) => request.body);
      expect(second).to.equal(first);
      expect(logs.entries.map((entry) => entry.outcome)).to.deep.equal(['retry', 'completed']);
    });
  });

  describe('the log line', () => {
    it('carries the fields the metrics, the local stack, the chaos run and the benchmark read', async () => {
      const sentAt = new Date(Date.now() - 1_500).toISOString();
      const data = echoData({ sentAt, payload: { loop: 'loop-a', iteration: 42 } });
      const message = pubsubMessage(encodeData(data), echoAttributes('loop-a', '42'));
      await server.post(binaryEvent(message, { deliveryAttempt: 3 }));
      const entry = logs.only();
      expect(entry).to.deep.include({
        outcome: 'completed',
        taskType: 'echo',
        messageId: message.messageId,
        deliveryAttempt: 3,
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
      const previous = worker;
      worker = configure({}, { now: () => Date.parse('2025-01-01T00:00:02.250Z') });
      try {
        await deliver(echoData({ sentAt: '2025-01-01T00:00:00.000Z' }));
      } finally {
        worker = previous;
      }
      expect(logs.only().roundTripMs).to.equal(2_250);
    });

    it('never logs a token or a password', async () => {
      const previous = worker;
      worker = configure(
        { ENGINE_AUTH: 'id-token', ENGINE_BASIC_AUTH_USER: 'demo', ENGINE_BASIC_AUTH_PASSWORD: 'pa55word' },
        { idTokens: { idToken: async () => 'secret-id-token' } },
      );
      try {
        engine.answer = () => ({ status: 401, body: { message: 'Unauthorized' } });
        expect((await deliver(echoData())).status).to.equal(500);
        expect(engine.requests[0]!.headers['x-serverless-authorization']).to.equal('Bearer secret-id-token');
      } finally {
        worker = previous;
      }
      const text = JSON.stringify(logs.entries);
      expect(text).not.to.contain('secret-id-token');
      expect(text).not.to.contain('pa55word');
      expect(text).not.to.contain(Buffer.from('demo:pa55word').toString('base64'));
    });
  });
});
