// The worker as Pub/Sub meets it: registered with the Functions Framework, served by the framework's
// test server on 127.0.0.1, replying to a fake engine. 204 means ack, 500 redelivery.
import * as functions from '@google-cloud/functions-framework';
import { expect } from 'chai';
import { z } from 'zod';
import { BpmnError } from '../src/bpmn-error';
import { loadConfig } from '../src/config';
import { pushWorker, type PushTask, type PushWorkerFunction, type PushWorkerOptions } from '../src/worker';
import {
  binaryEvent,
  encodeData,
  pubsubMessage,
  rawPush,
  structuredEvent,
  taskData,
  TASK_TYPE,
  type FunctionRequest,
  type TaskData,
} from './support/events';
import { FakeEngine, noExecutionMatches, type EngineAnswer, type RecordedRequest } from './support/fake-engine';
import { FunctionServer } from './support/function-server';
import { LogCapture } from './support/log-capture';

const FUNCTION_NAME = 'push-worker-under-test';
// The engine call's deadline: roomy, so that a busy machine never turns a fake engine's quick answer
// into a timeout; short only where a test makes the engine answer too late on purpose.
const ROOMY_TIMEOUT_MS = '10000';
const SHORT_TIMEOUT_MS = '300';
const payloadSchema = z.object({ item: z.string(), quantity: z.int().min(1) });
type Payload = z.infer<typeof payloadSchema>;
const conflict: EngineAnswer = { status: 500, body: { type: 'OptimisticLockingException', message: 'ENGINE-03005' } };

describe('push worker deliveries', () => {
  const engine = new FakeEngine();
  const logs = new LogCapture();
  let server: FunctionServer;
  let worker: PushWorkerFunction;
  let behaviour: (task: PushTask<Payload>) => unknown;
  const seen: Array<PushTask<Payload>> = [];
  // The framework prints a thrown error with console.error; keep those lines to check them.
  const frameworkErrors: string[] = [];
  const consoleError = console.error;

  const makeWorker = (env: Record<string, string> = {}, extra: Partial<PushWorkerOptions<typeof payloadSchema>> = {}) =>
    pushWorker({
      taskType: TASK_TYPE,
      payload: payloadSchema,
      handler: (task) => {
        seen.push(task);
        return behaviour(task);
      },
      logFields: (payload) => ({ item: payload.item }),
      config: loadConfig({
        ENGINE_URL: engine.url,
        ENGINE_TIMEOUT_MS: ROOMY_TIMEOUT_MS,
        MAX_DELIVERY_ATTEMPTS: '5',
        ...env,
      }),
      log: logs.logger,
      ...extra,
    });

  before(async () => {
    console.error = (...args: unknown[]) => void frameworkErrors.push(args.map(String).join(' '));
    await engine.start();
    worker = makeWorker();
    // Registered once; the indirection lets a test swap in a worker with other options.
    functions.cloudEvent(FUNCTION_NAME, (event: functions.CloudEvent<unknown>) => worker(event));
    functions.http(`${FUNCTION_NAME}-http`, (request, response) => worker.http(request, response));
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
    seen.length = 0;
    frameworkErrors.length = 0;
    behaviour = () => ({ price: 12.5 });
    worker = makeWorker();
  });

  const deliver = (
    data: TaskData,
    attempt?: number,
    encode: (m: ReturnType<typeof pubsubMessage>) => FunctionRequest = binaryEvent,
  ) => {
    const message = pubsubMessage(encodeData(data), { taskType: TASK_TYPE, version: '1' });
    return server.post(
      encode === binaryEvent && attempt ? binaryEvent(message, { deliveryAttempt: attempt }) : encode(message),
    );
  };
  const bodyOf = (request: RecordedRequest | undefined) => JSON.parse(request!.body) as Record<string, unknown>;
  const replyFor = (data: TaskData, variables: Record<string, unknown>) => ({
    messageName: 'PushTaskReply',
    processInstanceId: data.processInstanceId,
    correlationKeys: { requestId: { value: data.requestId, type: 'String' } },
    processVariables: {
      pushContractVersion: { value: 1, type: 'Integer' },
      ...variables,
    },
  });

  describe('the handler returns', () => {
    for (const [encoding, encode] of [
      ['a binary CloudEvent (Eventarc)', binaryEvent],
      ['a structured CloudEvent', structuredEvent],
      ['a raw Pub/Sub push body', rawPush],
    ] as const) {
      it(`sends a completed reply with the result and acks, from ${encoding}`, async () => {
        const data = taskData();
        const response = await deliver(data, undefined, encode);
        expect(response.status).to.equal(204);
        expect(engine.requests).to.have.length(1);
        expect(engine.requests[0]!.path).to.equal('/engine-rest/message');
        expect(bodyOf(engine.requests[0])).to.deep.equal(
          replyFor(data, {
            pushOutcome: { value: 'completed', type: 'String' },
            result: { value: '{"price":12.5}', type: 'Json' },
          }),
        );
        expect(logs.only()).to.deep.include({
          severity: 'INFO',
          outcome: 'completed',
          taskType: TASK_TYPE,
          item: 'item-7',
          processInstanceId: data.processInstanceId,
          requestId: data.requestId,
          engineStatus: 204,
        });
      });
    }

    it('hands the handler the parsed payload and the message fields', async () => {
      const deadline = new Date(Date.now() + 60_000).toISOString();
      const data = taskData({ deadline, payload: { item: 'a', quantity: 3, extra: 'dropped by the schema' } });
      await deliver(data, 2);
      const task = seen[0]!;
      expect(task.payload).to.deep.equal({ item: 'a', quantity: 3 });
      expect(task).to.deep.include({
        taskType: TASK_TYPE,
        processInstanceId: data.processInstanceId,
        requestId: data.requestId,
        deliveryAttempt: 2,
      });
      expect(task.sentAt.toISOString()).to.equal(data.sentAt);
      expect(task.deadline?.toISOString()).to.equal(deadline);
      expect(task.heartbeat).to.be.a('function');
    });

    it('sends a Null result when the handler returns nothing', async () => {
      for (const value of [undefined, null]) {
        engine.reset();
        behaviour = () => value;
        const data = taskData();
        expect((await deliver(data)).status).to.equal(204);
        expect(bodyOf(engine.requests[0])).to.deep.equal(
          replyFor(data, {
            pushOutcome: { value: 'completed', type: 'String' },
            result: { value: null, type: 'Null' },
          }),
        );
      }
    });
  });

  describe('the handler throws a BpmnError', () => {
    it('sends one error reply with the code and the message, and acks', async () => {
      behaviour = () => {
        throw new BpmnError('OutOfStock', 'no stock for item 7');
      };
      const data = taskData();
      expect((await deliver(data, 1)).status).to.equal(204);
      expect(engine.requests).to.have.length(1);
      expect(bodyOf(engine.requests[0])).to.deep.equal(
        replyFor(data, {
          pushOutcome: { value: 'error', type: 'String' },
          pushErrorCode: { value: 'OutOfStock', type: 'String' },
          pushErrorMessage: { value: 'no stock for item 7', type: 'String' },
        }),
      );
      expect(logs.only()).to.deep.include({ outcome: 'error', severity: 'INFO', errorCode: 'OutOfStock' });
      expect(frameworkErrors).to.deep.equal([]);
    });
  });

  describe('a technical failure', () => {
    beforeEach(() => {
      behaviour = async () => {
        throw new Error('database unreachable');
      };
    });

    it('is redelivered before the last attempt, without a reply', async () => {
      for (const attempt of [1, 4, undefined]) {
        logs.clear();
        frameworkErrors.length = 0;
        expect((await deliver(taskData(), attempt)).status).to.equal(500);
        expect(logs.only()).to.deep.include({ outcome: 'retry', severity: 'WARNING', error: 'database unreachable' });
        expect(frameworkErrors).to.have.length(1);
        expect(frameworkErrors[0]).to.match(/^RedeliveryRequested: redelivery requested: [^\n]+$/);
      }
      expect(engine.requests).to.deep.equal([]);
    });

    it('gets a failed reply with the error message on the last attempt, and is acked', async () => {
      const data = taskData();
      expect((await deliver(data, 5)).status).to.equal(204);
      expect(bodyOf(engine.requests[0])).to.deep.equal(
        replyFor(data, {
          pushOutcome: { value: 'failed', type: 'String' },
          pushErrorMessage: { value: 'database unreachable', type: 'String' },
        }),
      );
      expect(logs.only()).to.deep.include({ outcome: 'failed', severity: 'ERROR', deliveryAttempt: 5 });
    });

    it('sends the message truncated, without a stack or a credential', async () => {
      behaviour = () => {
        const error = new TypeError(`token Bearer eyJhbGciOi.secret.sig rejected ${'x'.repeat(2_000)}`);
        throw error;
      };
      await deliver(taskData(), 6);
      const sent = (bodyOf(engine.requests[0]).processVariables as Record<string, { value: string }>).pushErrorMessage!;
      expect(sent.value).to.match(/^TypeError: token Bearer \[redacted\] rejected x+/);
      expect(sent.value.length).to.be.at.most(1000);
      expect(sent.value).not.to.contain('eyJhbGciOi');
      expect(sent.value).not.to.contain('at ');
      expect(JSON.stringify(logs.entries)).not.to.contain('eyJhbGciOi');
    });

    const unsendable: Array<[string, () => unknown, RegExp]> = [
      ['a BigInt', () => ({ total: 10n }), /not JSON-serializable/],
      [
        'a cycle',
        () => {
          const a: Record<string, unknown> = {};
          a.self = a;
          return a;
        },
        /not JSON-serializable/,
      ],
      ['a function', () => () => 1, /not JSON-serializable \(a function\)/],
      ['more than 64 KiB', () => ({ blob: 'x'.repeat(70_000) }), /more than 65536/],
      ['nested 200 levels deep', () => JSON.parse('['.repeat(200) + ']'.repeat(200)), /nests deeper than 100/],
    ];
    for (const [what, result, reason] of unsendable) {
      it(`is what a result of ${what} is: redelivered, then a failed reply naming it`, async () => {
        behaviour = result;
        expect((await deliver(taskData(), 1)).status).to.equal(500);
        expect(logs.only().error).to.match(reason);
        expect(engine.requests).to.deep.equal([]);
        logs.clear();
        expect((await deliver(taskData(), 5)).status).to.equal(204);
        const variables = bodyOf(engine.requests[0]).processVariables as Record<string, { value: unknown }>;
        expect(variables.pushOutcome!.value).to.equal('failed');
        expect(variables.pushErrorMessage!.value).to.match(reason);
      });
    }
  });

  describe('a message the worker cannot run', () => {
    it('gets a failed reply naming the payload problem, and the handler does not run', async () => {
      const data = taskData({ payload: { item: 7, quantity: 0 } });
      expect((await deliver(data)).status).to.equal(204);
      const variables = bodyOf(engine.requests[0]).processVariables as Record<string, { value: unknown }>;
      expect(variables.pushOutcome!.value).to.equal('failed');
      expect(variables.pushErrorMessage!.value).to.match(/payload\.item: .*; payload\.quantity: /);
      expect(seen).to.deep.equal([]);
      expect(logs.only()).to.deep.include({ outcome: 'failed', severity: 'ERROR' });
      expect(logs.only().reason).to.match(/^payload does not fit the worker's schema/);
    });

    it('gets a failed reply for an unsupported version', async () => {
      const data = taskData({ version: 2 });
      expect((await deliver(data)).status).to.equal(204);
      const variables = bodyOf(engine.requests[0]).processVariables as Record<string, { value: unknown }>;
      expect(variables.pushErrorMessage!.value).to.match(/unsupported message version 2: this worker reads version 1/);
      expect(seen).to.deep.equal([]);
    });

    it('acks another task type with an ERROR line and no reply', async () => {
      const data = taskData({ taskType: 'ship-order' });
      expect((await deliver(data)).status).to.equal(204);
      expect(engine.requests).to.deep.equal([]);
      expect(logs.only()).to.deep.include({
        outcome: 'unknown-task',
        severity: 'ERROR',
        taskType: TASK_TYPE,
        messageTaskType: 'ship-order',
        requestId: data.requestId,
      });
    });
  });

  describe('engine answers', () => {
    const answers: Array<[string, EngineAnswer, number, string, string]> = [
      ['200', { status: 200, body: [] }, 204, 'completed', 'INFO'],
      ['400 no execution matches (a duplicate)', noExecutionMatches(), 204, 'duplicate', 'NOTICE'],
      [
        '400 more than one execution matches',
        { status: 400, body: { message: '2 executions match' } },
        500,
        'retry',
        'ERROR',
      ],
      ['401', { status: 401 }, 500, 'retry', 'ERROR'],
      ['404', { status: 404 }, 500, 'retry', 'ERROR'],
      ['429', { status: 429 }, 500, 'retry', 'WARNING'],
      ['500 optimistic locking, four times in a row', conflict, 500, 'retry', 'WARNING'],
      ['503', { status: 503 }, 500, 'retry', 'WARNING'],
      ['a timeout', { status: 204, delayMs: 2_000 }, 500, 'retry', 'WARNING'],
      ['a dropped connection', { destroy: true }, 500, 'retry', 'WARNING'],
    ];
    for (const [what, answer, functionStatus, outcome, severity] of answers) {
      it(`engine ${what}: ${functionStatus === 204 ? 'ack' : 'redeliver'}, outcome ${outcome}`, async () => {
        engine.answer = () => answer;
        if ('delayMs' in answer) worker = makeWorker({ ENGINE_TIMEOUT_MS: SHORT_TIMEOUT_MS });
        expect((await deliver(taskData())).status).to.equal(functionStatus);
        expect(engine.requests).to.have.length(what.startsWith('500 optimistic') ? 4 : 1);
        expect(logs.only()).to.deep.include({ outcome, severity });
      });
    }

    it('sends a reply again at once after an OptimisticLockingException', async () => {
      let calls = 0;
      engine.answer = () => (++calls <= 2 ? conflict : { status: 204 });
      expect((await deliver(taskData())).status).to.equal(204);
      expect(engine.requests).to.have.length(3);
      expect(new Set(engine.requests.map((request) => request.body)).size).to.equal(1);
      expect(logs.only()).to.deep.include({ outcome: 'completed', conflicts: 2, engineStatus: 204 });
    });

    it('sends a reply again at once after a deadlock or a foreign-key violation between two commits', async () => {
      const persistence = (code: number): EngineAnswer => ({
        status: 500,
        body: { type: 'ProcessEngineException', message: 'An exception occurred in the persistence layer.', code },
      });
      const answers = [persistence(10_000), persistence(10_001), { status: 204 } as EngineAnswer];
      engine.answer = () => answers.shift()!;
      expect((await deliver(taskData())).status).to.equal(204);
      expect(engine.requests).to.have.length(3);
      expect(logs.only()).to.deep.include({ outcome: 'completed', conflicts: 2, engineStatus: 204 });
    });

    it('does not resend other 500s at once: another persistence failure waits for a redelivery', async () => {
      engine.answer = () => ({ status: 500, body: { type: 'ProcessEngineException', message: 'disk full', code: 0 } });
      expect((await deliver(taskData())).status).to.equal(500);
      expect(engine.requests).to.have.length(1);
    });

    it('acks a duplicate of every kind of reply and changes nothing', async () => {
      engine.answer = () => noExecutionMatches('PushTaskReply');
      behaviour = () => {
        throw new BpmnError('OutOfStock', 'none left');
      };
      expect((await deliver(taskData())).status).to.equal(204);
      behaviour = () => {
        throw new Error('boom');
      };
      expect((await deliver(taskData(), 5)).status).to.equal(204);
      expect((await deliver(taskData({ payload: {} }))).status).to.equal(204);
      expect(logs.deliveries().map((line) => line.outcome)).to.deep.equal(['duplicate', 'duplicate', 'duplicate']);
    });
  });

  describe('heartbeats', () => {
    const isHeartbeat = (request: RecordedRequest) =>
      (bodyOf(request).processVariables as { pushOutcome?: { value?: unknown } } | undefined)?.pushOutcome?.value ===
      'working';
    const heartbeatsTo = () => engine.requests.filter(isHeartbeat);

    it('posts a PushTaskReply "working" with the correlation, transient, and logs nothing when stored', async () => {
      behaviour = async (task) => {
        await task.heartbeat();
        return { price: 1 };
      };
      const data = taskData();
      expect((await deliver(data)).status).to.equal(204);
      expect(heartbeatsTo().map(bodyOf)).to.deep.equal([
        {
          messageName: 'PushTaskReply',
          processInstanceId: data.processInstanceId,
          correlationKeys: { requestId: { value: data.requestId, type: 'String' } },
          processVariables: {
            pushContractVersion: { value: 1, type: 'Integer', valueInfo: { transient: true } },
            pushOutcome: { value: 'working', type: 'String', valueInfo: { transient: true } },
          },
        },
      ]);
      expect(engine.requests).to.have.length(2);
      expect(logs.only()).to.deep.include({ outcome: 'completed' });
    });

    for (const [what, answer, kind] of [
      ['refused (400)', noExecutionMatches('PushTaskReply'), 'refused'],
      ['not delivered (503)', { status: 503 }, 'failed'],
    ] as const) {
      it(`logs a WARNING when a heartbeat is ${what}, and the handler goes on`, async () => {
        engine.answer = (request) => (isHeartbeat(request) ? answer : { status: 204 });
        behaviour = async (task) => {
          await task.heartbeat();
          return { price: 2 };
        };
        const data = taskData();
        expect((await deliver(data)).status).to.equal(204);
        expect(logs.heartbeats()).to.have.length(1);
        expect(logs.heartbeats()[0]).to.deep.include({
          severity: 'WARNING',
          heartbeat: kind,
          taskType: TASK_TYPE,
          requestId: data.requestId,
          item: 'item-7',
        });
        expect(logs.deliveries().map((line) => line.outcome)).to.deep.equal(['completed']);
      });
    }
  });

  describe('credentials', () => {
    const idTokens = { idToken: async (audience: string) => `id-token-for-${audience}` };

    it('sends the ID token in both X-Serverless-Authorization and Authorization', async () => {
      worker = makeWorker({ ENGINE_AUTH: 'id-token', ENGINE_AUDIENCE: 'https://camunda.example' }, { idTokens });
      behaviour = async (task) => void (await task.heartbeat());
      await deliver(taskData());
      expect(engine.requests).to.have.length(2);
      for (const request of engine.requests) {
        expect(request.headers['x-serverless-authorization']).to.equal('Bearer id-token-for-https://camunda.example');
        expect(request.headers.authorization).to.equal('Bearer id-token-for-https://camunda.example');
      }
    });

    it('sends basic credentials in Authorization, and the ID token beside them', async () => {
      const basic = { ENGINE_BASIC_AUTH_USER: 'demo', ENGINE_BASIC_AUTH_PASSWORD: 'pa55word' };
      const expected = `Basic ${Buffer.from('demo:pa55word').toString('base64')}`;
      worker = makeWorker(basic);
      await deliver(taskData());
      expect(engine.requests[0]!.headers.authorization).to.equal(expected);
      expect(engine.requests[0]!.headers).not.to.have.property('x-serverless-authorization');
      engine.reset();
      worker = makeWorker({ ...basic, ENGINE_AUTH: 'id-token' }, { idTokens });
      engine.answer = () => ({ status: 401, body: { message: 'Unauthorized' } });
      expect((await deliver(taskData())).status).to.equal(500);
      expect(engine.requests[0]!.headers.authorization).to.equal(expected);
      expect(engine.requests[0]!.headers['x-serverless-authorization']).to.match(/^Bearer id-token-for-/);
      const text = JSON.stringify(logs.entries);
      expect(text).not.to.contain('pa55word');
      expect(text).not.to.contain(expected.slice(6));
      expect(text).not.to.contain('id-token-for-');
    });

    it('asks for a redelivery when no ID token can be had', async () => {
      worker = makeWorker(
        { ENGINE_AUTH: 'id-token' },
        { idTokens: { idToken: () => Promise.reject(new Error('no metadata server')) } },
      );
      expect((await deliver(taskData())).status).to.equal(500);
      expect(engine.requests).to.deep.equal([]);
      expect(logs.only()).to.deep.include({ outcome: 'retry', severity: 'ERROR' });
      expect(logs.only().message).to.contain('could not get an ID token: no metadata server');
    });
  });

  describe('the log line', () => {
    it('carries roundTripMs from sentAt and handlerMs, with the injected clock', async () => {
      let clock = Date.parse('2025-01-01T00:00:02.000Z');
      worker = makeWorker({}, { now: () => clock });
      behaviour = () => {
        clock += 250;
        return 1;
      };
      await deliver(taskData({ sentAt: '2025-01-01T00:00:00Z' }), 3);
      expect(logs.only()).to.deep.include({ roundTripMs: 2_250, handlerMs: 250, engineMs: 0, deliveryAttempt: 3 });
    });

    it('keeps only string and number logFields under names of their own', async () => {
      worker = makeWorker(
        {},
        {
          logFields: () => ({ item: 'x', count: 3, outcome: 'forged', bad: { nested: true } as unknown as string }),
        },
      );
      await deliver(taskData());
      const line = logs.only();
      expect(line).to.deep.include({ item: 'x', count: 3, outcome: 'completed' });
      expect(line).not.to.have.property('bad');
    });

    it('survives a logFields that throws', async () => {
      worker = makeWorker(
        {},
        {
          logFields: () => {
            throw new Error('oops');
          },
        },
      );
      expect((await deliver(taskData())).status).to.equal(204);
      expect(logs.only()).to.deep.include({ outcome: 'completed' });
    });
  });

  describe('as an HTTP function behind a plain push subscription', () => {
    let httpServer: FunctionServer;
    before(async () => {
      httpServer = await FunctionServer.start(`${FUNCTION_NAME}-http`);
    });
    after(() => httpServer?.close());

    it('reads deliveryAttempt from the raw push body, which the CloudEvent conversion drops', async () => {
      behaviour = () => {
        throw new Error('still broken');
      };
      const data = taskData();
      const push = (attempt: number) =>
        httpServer.post(rawPush(pubsubMessage(encodeData(data)), { deliveryAttempt: attempt }));
      expect((await push(4)).status).to.equal(500);
      expect((await push(5)).status).to.equal(204);
      expect(engine.requests).to.have.length(1);
      expect(logs.deliveries().map((line) => [line.outcome, line.deliveryAttempt])).to.deep.equal([
        ['retry', 4],
        ['failed', 5],
      ]);
    });

    it('acks a completed task with 204', async () => {
      expect((await httpServer.post(rawPush(pubsubMessage(encodeData(taskData()))))).status).to.equal(204);
      expect(logs.only()).to.deep.include({ outcome: 'completed' });
    });
  });
});
