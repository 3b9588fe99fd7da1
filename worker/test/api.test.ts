// The library's surface without a server: configuration, BpmnError, pushWorker's option checks, the
// reply bodies, and that importing the package reads no environment variable.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { z } from 'zod';
import { BpmnError, isBpmnError } from '../src/bpmn-error';
import { ConfigError, loadConfig } from '../src/config';
import { heartbeatBody, replyBody, serializeResult } from '../src/replies';
import { pushWorker } from '../src/worker';

const ROOT = resolve(__dirname, '..', '..');

describe('worker configuration', () => {
  it('has the defaults of the contract', () => {
    expect(loadConfig({ ENGINE_URL: 'https://camunda.example/' })).to.deep.equal({
      engineUrl: 'https://camunda.example',
      messageEndpoint: 'https://camunda.example/engine-rest/message',
      auth: 'none',
      audience: 'https://camunda.example',
      timeoutMs: 10_000,
      maxDeliveryAttempts: 10,
    });
    expect(loadConfig({ ENGINE_URL: 'https://e.example', K_SERVICE: 'fn' }).auth).to.equal('id-token');
    expect(loadConfig({ ENGINE_URL: 'https://e.example', K_SERVICE: 'fn', ENGINE_AUTH: 'none' }).auth).to.equal('none');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ENGINE_URL: 'http://127.0.0.1:8080',
      ENGINE_AUTH: 'id-token',
      ENGINE_AUDIENCE: 'https://custom.example',
      ENGINE_TIMEOUT_MS: '2500',
      MAX_DELIVERY_ATTEMPTS: '5',
      ENGINE_BASIC_AUTH_USER: 'demo',
      ENGINE_BASIC_AUTH_PASSWORD: 'secret',
    });
    expect(config).to.deep.include({
      auth: 'id-token',
      audience: 'https://custom.example',
      timeoutMs: 2500,
      maxDeliveryAttempts: 5,
      basicAuth: { user: 'demo', password: 'secret' },
    });
  });

  it('reports every problem at once, each naming its variable and the fix', () => {
    let error: unknown;
    try {
      loadConfig({
        ENGINE_AUTH: 'oauth',
        ENGINE_TIMEOUT_MS: '10s',
        MAX_DELIVERY_ATTEMPTS: '0',
        ENGINE_BASIC_AUTH_PASSWORD: 'hunter2',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable)).to.deep.equal([
      'ENGINE_URL',
      'ENGINE_AUTH',
      'ENGINE_TIMEOUT_MS',
      'MAX_DELIVERY_ATTEMPTS',
      'ENGINE_BASIC_AUTH_USER',
    ]);
    const message = (error as Error).message;
    expect(message).to.contain('ENGINE_URL is required: set it to the engine base URL');
    expect(message).to.contain("ENGINE_AUTH must be 'id-token' or 'none', got 'oauth'");
    expect(message).to.contain("ENGINE_TIMEOUT_MS must be a whole number from 1 to 600000 (default 10000), got '10s'");
    expect(message).to.contain("MAX_DELIVERY_ATTEMPTS must be a whole number from 1 to 100 (default 10), got '0'");
    expect(message).not.to.contain('hunter2');
  });

  it('refuses URLs it cannot use, without echoing credentials', () => {
    for (const [url, text] of [
      ['ftp://engine', /http or https URL/],
      ['not a url', /http or https URL/],
      ['https://user:pw@engine.example', /must not carry a query, a fragment or credentials/],
      ['https://engine.example/?token=abc', /must not carry/],
    ] as const) {
      expect(() => loadConfig({ ENGINE_URL: url }), url).to.throw(ConfigError, text);
    }
    expect(() => loadConfig({ ENGINE_URL: 'https://user:pw@engine.example' })).to.throw(/^(?!.*pw@)/);
  });
});

describe('BpmnError', () => {
  it('carries the code and the message', () => {
    const error = new BpmnError('OutOfStock', 'no stock for item 7');
    expect(error).to.include({ code: 'OutOfStock', message: 'no stock for item 7', name: 'BpmnError' });
    expect(error).to.be.instanceOf(Error);
    expect(isBpmnError(error)).to.equal(true);
    expect(new BpmnError('a.b-c_1').message).to.equal('');
    expect(new BpmnError('Long', 'x'.repeat(5_000)).message).to.have.length(1000);
  });

  it('refuses a code that is not one, with a TypeError that says the rule', () => {
    for (const code of ['', '1abc', 'has space', 'x'.repeat(65), 'ünicode', 42 as unknown as string]) {
      expect(() => new BpmnError(code, 'm'), String(code)).to.throw(TypeError, /BpmnError code must match/);
    }
  });

  it('refuses the codes PushTask raises itself', () => {
    for (const code of ['PushTaskFailed', 'PushTaskTimeout']) {
      expect(() => new BpmnError(code)).to.throw(TypeError, new RegExp(`'${code}' is reserved`));
    }
  });

  it('recognizes a BpmnError of another copy of the package by its name and code', () => {
    const foreign = Object.assign(new Error('m'), { name: 'BpmnError', code: 'OutOfStock' });
    expect(isBpmnError(foreign)).to.equal(true);
    expect(isBpmnError(Object.assign(new Error('m'), { name: 'BpmnError', code: 'PushTaskFailed' }))).to.equal(false);
    expect(isBpmnError(new Error('m'))).to.equal(false);
  });
});

describe('pushWorker options', () => {
  const config = loadConfig({ ENGINE_URL: 'http://127.0.0.1:1' });
  const valid = { taskType: 'price-order', payload: z.unknown(), handler: () => 1, config };

  it('refuses a bad taskType, payload schema, handler or logFields with a TypeError naming it', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ taskType: 'Price_Order' }, /taskType must match/],
      [{ taskType: undefined }, /taskType must match/],
      [{ payload: { parse: () => 1 } }, /payload must be a zod schema/],
      [{ handler: 'run' }, /handler must be a function/],
      [{ logFields: { item: 1 } }, /logFields must be a function/],
    ];
    for (const [override, text] of bad) {
      expect(() => pushWorker({ ...valid, ...override } as never), JSON.stringify(override)).to.throw(TypeError, text);
    }
  });

  it('reads process.env when no config is given, and says what is missing', () => {
    const saved = process.env.ENGINE_URL;
    delete process.env.ENGINE_URL;
    try {
      expect(() => pushWorker({ ...valid, config: undefined })).to.throw(ConfigError, /ENGINE_URL is required/);
    } finally {
      if (saved !== undefined) process.env.ENGINE_URL = saved;
    }
  });

  it('returns a CloudEvent handler with its task type and an HTTP variant', () => {
    const worker = pushWorker(valid);
    expect(worker).to.be.a('function');
    expect(worker.taskType).to.equal('price-order');
    expect(worker.http).to.be.a('function');
  });

  it('is a package whose import reads no environment variable', () => {
    const script = [
      'const read = [];',
      'process.env = new Proxy(process.env, { get(t, k) { if (typeof k === "string") read.push(k); return t[k]; } });',
      'require("./worker/src/index.ts");',
      'process.stdout.write(JSON.stringify(read.filter((k) => /^(ENGINE_|MAX_DELIVERY|K_SERVICE)/.test(k))));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).to.deep.equal([]);
  });
});

describe('reply bodies', () => {
  const address = { processInstanceId: 'pi-1', requestId: 'r-1' };
  const correlation = { processInstanceId: 'pi-1', correlationKeys: { requestId: { value: 'r-1', type: 'String' } } };

  it('follow contract §3 for each outcome', () => {
    expect(replyBody(address, { outcome: 'completed', resultJson: '{"a":1}' })).to.deep.equal({
      messageName: 'PushTaskReply',
      ...correlation,
      processVariables: {
        pushContractVersion: { value: 1, type: 'Integer' },
        pushOutcome: { value: 'completed', type: 'String' },
        result: { value: '{"a":1}', type: 'Json' },
      },
    });
    expect(
      replyBody(address, { outcome: 'error', code: 'X', message: 'm'.repeat(1200) }).processVariables,
    ).to.deep.equal({
      pushContractVersion: { value: 1, type: 'Integer' },
      pushOutcome: { value: 'error', type: 'String' },
      pushErrorCode: { value: 'X', type: 'String' },
      pushErrorMessage: { value: 'm'.repeat(1000), type: 'String' },
    });
    expect(replyBody(address, { outcome: 'failed', message: 'boom' }).processVariables).to.deep.equal({
      pushContractVersion: { value: 1, type: 'Integer' },
      pushOutcome: { value: 'failed', type: 'String' },
      pushErrorMessage: { value: 'boom', type: 'String' },
    });
    expect(heartbeatBody(address)).to.deep.equal({
      messageName: 'PushTaskReply',
      ...correlation,
      processVariables: {
        pushContractVersion: { value: 1, type: 'Integer', valueInfo: { transient: true } },
        pushOutcome: { value: 'working', type: 'String', valueInfo: { transient: true } },
      },
    });
  });

  it('serialize results as JSON text, none as null', () => {
    expect(serializeResult(undefined)).to.deep.equal({ ok: true, json: null });
    expect(serializeResult({ toJSON: () => null })).to.deep.equal({ ok: true, json: null });
    expect(serializeResult('text')).to.deep.equal({ ok: true, json: '"text"' });
    expect(serializeResult([new Date(0)])).to.deep.equal({ ok: true, json: '["1970-01-01T00:00:00.000Z"]' });
    expect(serializeResult(Symbol('s'))).to.include({ ok: false });
  });
});
