import { expect } from 'chai';
import { loadConfig, type EchoConfig } from '../src/config';
import { classifyEngineResponse, correlationBody, forwardToEngine, type IdTokenSource } from '../src/engine-client';
import type { EchoRequest } from '../src/message';
import { echoData } from './support/events';
import { closedPort, FakeEngine, noExecutionMatches } from './support/fake-engine';

const request = echoData() as EchoRequest;

describe('echo-function engine client', () => {
  describe('correlationBody', () => {
    it('correlates on the instance and the request id, never with all=true', () => {
      const body = correlationBody(request);
      expect(body).to.deep.equal({
        messageName: 'EchoReply',
        processInstanceId: request.processInstanceId,
        correlationKeys: { requestId: { value: request.requestId, type: 'String' } },
        processVariables: { echoPayload: { value: '{"hello":"world"}', type: 'Json' } },
      });
      expect(body).not.to.have.property('all');
    });

    it('sends a Null variable when there is no payload', () => {
      for (const payload of [undefined, null]) {
        const body = correlationBody({ ...request, payload });
        expect(body.processVariables).to.deep.equal({ echoPayload: { value: null, type: 'Null' } });
      }
    });

    it('keeps falsy payloads as JSON', () => {
      for (const [payload, text] of [
        [0, '0'],
        [false, 'false'],
        ['', '""'],
      ] as const) {
        const body = correlationBody({ ...request, payload });
        expect(body.processVariables).to.deep.equal({ echoPayload: { value: text, type: 'Json' } });
      }
    });
  });

  describe('classifyEngineResponse', () => {
    const camunda400 = (message: string) => JSON.stringify({ type: 'RestException', message });
    const cases: Array<[string, number, string, string, string]> = [
      ['204', 204, '', 'delivered', 'INFO'],
      ['200 with a result', 200, '[]', 'delivered', 'INFO'],
      [
        '400 no execution matches',
        400,
        camunda400("Cannot correlate message 'EchoReply': No process definition or execution matches the parameters"),
        'duplicate',
        'NOTICE',
      ],
      [
        '400 from InvalidRequestException',
        400,
        JSON.stringify({
          type: 'InvalidRequestException',
          message: "Cannot correlate message 'EchoReply': No process definition or execution matches the parameters",
        }),
        'duplicate',
        'NOTICE',
      ],
      [
        '400 more than one execution',
        400,
        camunda400(
          "Cannot correlate message 'EchoReply': 2 executions match the correlation keys: CorrelationSet [...]",
        ),
        'retry',
        'ERROR',
      ],
      ['400 other', 400, camunda400('Cannot convert value "x" of type Json'), 'retry', 'ERROR'],
      ['400 without a body', 400, '', 'retry', 'ERROR'],
      ['401', 401, '', 'retry', 'ERROR'],
      ['403', 403, '<html>Forbidden</html>', 'retry', 'ERROR'],
      ['404', 404, camunda400('not found'), 'retry', 'ERROR'],
      ['302', 302, '', 'retry', 'ERROR'],
      ['429', 429, '', 'retry', 'WARNING'],
      [
        '500 optimistic locking',
        500,
        JSON.stringify({ type: 'OptimisticLockingException', message: 'ENGINE-03005 ...', code: 1 }),
        'retry',
        'WARNING',
      ],
      ['502', 502, '', 'retry', 'WARNING'],
      ['503', 503, 'Service Unavailable', 'retry', 'WARNING'],
    ];
    for (const [what, status, body, outcome, severity] of cases) {
      it(`${what} -> ${outcome} (${severity})`, () => {
        expect(classifyEngineResponse(status, body)).to.deep.include({ outcome, severity });
      });
    }

    it('quotes the engine message, shortened to one line', () => {
      const { detail } = classifyEngineResponse(500, JSON.stringify({ message: `boom\n${'x'.repeat(1000)}` }));
      expect(detail).to.match(/^engine answered 500: boom x+…$/);
      expect(detail.length).to.be.at.most(200);
    });
  });

  describe('forwardToEngine', () => {
    const engine = new FakeEngine();
    const configFor = (env: Record<string, string> = {}): EchoConfig =>
      loadConfig({ ENGINE_URL: engine.url, ENGINE_TIMEOUT_MS: '300', ...env });
    const tokens: IdTokenSource & { audiences: string[] } = {
      audiences: [],
      async idToken(audience) {
        this.audiences.push(audience);
        return 'fake-id-token';
      },
    };

    before(() => engine.start());
    after(() => engine.close());
    beforeEach(() => {
      engine.reset();
      tokens.audiences.length = 0;
    });

    it('POSTs the correlation as JSON to /engine-rest/message without credentials locally', async () => {
      const result = await forwardToEngine(request, configFor());
      expect(result).to.deep.include({ outcome: 'delivered', engineStatus: 204 });
      expect(engine.requests).to.have.length(1);
      const [sent] = engine.requests;
      expect(sent!.method).to.equal('POST');
      expect(sent!.path).to.equal('/engine-rest/message');
      expect(sent!.headers['content-type']).to.equal('application/json');
      expect(sent!.headers.authorization).to.equal(undefined);
      expect(sent!.headers['x-serverless-authorization']).to.equal(undefined);
      expect(JSON.parse(sent!.body)).to.deep.equal(correlationBody(request));
    });

    it('sends an ID token for the audience as Bearer in both headers, for Cloud Run and the engine', async () => {
      await forwardToEngine(request, configFor({ ENGINE_AUTH: 'id-token' }), { idTokens: tokens });
      expect(tokens.audiences).to.deep.equal([engine.url]);
      expect(engine.requests[0]!.headers.authorization).to.equal('Bearer fake-id-token');
      expect(engine.requests[0]!.headers['x-serverless-authorization']).to.equal('Bearer fake-id-token');
    });

    it('moves the ID token to X-Serverless-Authorization when basic auth is configured', async () => {
      const config = configFor({
        ENGINE_AUTH: 'id-token',
        ENGINE_AUDIENCE: 'https://engine.example',
        ENGINE_BASIC_AUTH_USER: 'demo',
        ENGINE_BASIC_AUTH_PASSWORD: 'pw',
      });
      await forwardToEngine(request, config, { idTokens: tokens });
      const { headers } = engine.requests[0]!;
      expect(headers.authorization).to.equal(`Basic ${Buffer.from('demo:pw').toString('base64')}`);
      expect(headers['x-serverless-authorization']).to.equal('Bearer fake-id-token');
      expect(tokens.audiences).to.deep.equal(['https://engine.example']);
    });

    it('sends basic auth alone when ID tokens are off', async () => {
      await forwardToEngine(request, configFor({ ENGINE_BASIC_AUTH_USER: 'demo', ENGINE_BASIC_AUTH_PASSWORD: 'pw' }));
      const { headers } = engine.requests[0]!;
      expect(headers.authorization).to.equal(`Basic ${Buffer.from('demo:pw').toString('base64')}`);
      expect(headers['x-serverless-authorization']).to.equal(undefined);
    });

    it('retries without calling the engine when no ID token can be had', async () => {
      const failing: IdTokenSource = { idToken: () => Promise.reject(new Error('metadata server unreachable')) };
      const result = await forwardToEngine(request, configFor({ ENGINE_AUTH: 'id-token' }), { idTokens: failing });
      expect(result).to.deep.include({ outcome: 'retry', severity: 'ERROR' });
      expect(result.detail).to.contain('metadata server unreachable');
      expect(engine.requests).to.have.length(0);
    });

    it('classifies a duplicate from the engine answer', async () => {
      engine.answer = () => noExecutionMatches();
      const result = await forwardToEngine(request, configFor());
      expect(result).to.deep.include({ outcome: 'duplicate', engineStatus: 400 });
    });

    it('sends a reply again at once when it met a concurrent transaction (500 OptimisticLockingException)', async () => {
      const conflict = {
        status: 500,
        body: JSON.stringify({
          type: 'OptimisticLockingException',
          message: 'ENGINE-03005 Entity was updated by another transaction concurrently.',
        }),
      };
      let calls = 0;
      engine.answer = () => (++calls <= 2 ? conflict : { status: 204 });
      const result = await forwardToEngine(request, configFor());
      expect(result).to.deep.include({ outcome: 'delivered', engineStatus: 204, conflicts: 2 });
      expect(engine.requests).to.have.length(3);
      expect(new Set(engine.requests.map((r) => r.body)).size, 'the same body every time').to.equal(1);
    });

    it('stops resending at ENGINE_TIMEOUT_MS, which bounds the whole exchange', async () => {
      engine.answer = () => ({
        status: 500,
        body: JSON.stringify({ type: 'OptimisticLockingException', message: 'conflict' }),
        delayMs: 120,
      });
      const started = Date.now();
      const result = await forwardToEngine(request, configFor());
      expect(Date.now() - started).to.be.below(1_500);
      expect(result).to.deep.include({ outcome: 'retry', detail: 'engine did not answer within 300 ms' });
      expect(engine.requests.length, 'cut short before the fourth attempt').to.be.within(1, 3);
    });

    it('asks for a redelivery after three resends that all met a conflict, and never resends another 500', async () => {
      engine.answer = () => ({
        status: 500,
        body: JSON.stringify({ type: 'OptimisticLockingException', message: 'conflict' }),
      });
      const afterConflicts = await forwardToEngine(request, configFor());
      expect(afterConflicts).to.deep.include({ outcome: 'retry', engineStatus: 500, conflicts: 3 });
      expect(engine.requests).to.have.length(4);

      engine.reset();
      engine.answer = () => ({
        status: 500,
        body: JSON.stringify({ type: 'ProcessEngineException', message: 'boom' }),
      });
      const other = await forwardToEngine(request, configFor());
      expect(other).to.deep.include({ outcome: 'retry', engineStatus: 500, conflicts: 0 });
      expect(engine.requests).to.have.length(1);
    });

    it('does not follow a redirect', async () => {
      engine.answer = (req) => (req.path === '/engine-rest/message' ? { status: 307, body: '' } : { status: 204 });
      const result = await forwardToEngine(request, configFor());
      expect(result).to.deep.include({ outcome: 'retry', severity: 'ERROR', engineStatus: 307 });
      expect(engine.requests).to.have.length(1);
    });

    it('gives up after ENGINE_TIMEOUT_MS and asks for a retry', async () => {
      engine.answer = () => ({ status: 204, delayMs: 2_000 });
      const started = Date.now();
      const result = await forwardToEngine(request, configFor());
      expect(Date.now() - started).to.be.below(1_500);
      expect(result).to.deep.include({
        outcome: 'retry',
        severity: 'WARNING',
        detail: 'engine did not answer within 300 ms',
      });
      expect(result.engineStatus).to.equal(undefined);
      expect(result.engineMs).to.be.at.least(250);
    });

    it('asks for a retry when the connection is refused', async () => {
      const config = loadConfig({ ENGINE_URL: `http://127.0.0.1:${await closedPort()}` });
      const result = await forwardToEngine(request, config);
      expect(result).to.deep.include({ outcome: 'retry', severity: 'WARNING' });
      expect(result.detail).to.contain('ECONNREFUSED');
    });

    it('asks for a retry when the engine drops the connection', async () => {
      engine.answer = () => ({ destroy: true });
      const result = await forwardToEngine(request, configFor());
      expect(result).to.deep.include({ outcome: 'retry', severity: 'WARNING' });
      expect(result.detail).to.match(/^engine unreachable: /);
    });

    it('measures the engine call with the injected clock', async () => {
      let clock = 1_000;
      const result = await forwardToEngine(request, configFor(), { now: () => (clock += 40) });
      expect(result.engineMs).to.equal(40);
    });
  });
});
