/**
 * bpmn/Http.bpmn on the real engine, called from an async activity (fixture HttpCaller) against a local
 * HTTP server: what succeeds, what retries on the caller's cycle, what ends in the BPMN error HttpError.
 */
import { expect } from 'chai';

import { eventually, json, variables, type Camunda } from '../support/camunda';
import { startTestEngine, type TestEngine } from '../support/bpmn-engine';
import { HttpStub } from '../support/http-stub';

describe('BPMN block Http', function () {
  this.timeout(60_000);

  let engine: TestEngine;
  let camunda: Camunda;
  const server = new HttpStub();

  before(async function () {
    this.timeout(120_000);
    await server.start();
    engine = await startTestEngine({ fixtures: ['HttpCaller'] });
    camunda = engine.camunda;
  });

  after(async () => {
    await engine?.stop();
    await server.close();
  });

  afterEach(async () => {
    await camunda?.deleteAll(['HttpCaller']);
    server.reset();
  });

  /** Starts HttpCaller; the call runs in a job that retries every second, up to `retries` times. */
  const call = (vars: Record<string, string | number>, retries = 5) =>
    camunda.start('HttpCaller', { ...variables({ retryCycle: `R${retries}/PT1S`, ...vars }) });

  const waitIn = (id: string, activity: string, timeoutMs = 30_000) =>
    eventually(
      `process ${id} in ${activity}`,
      async () => ((await camunda.currentActivities(id)).includes(activity) ? true : undefined),
      timeoutMs,
    );

  it('2xx: gives statusCode, headers and response, and sends method, headers and payload', async () => {
    server.enqueue({
      status: 201,
      body: '{"created":true}',
      headers: { 'Content-Type': 'application/json', 'X-Answer': '42' },
    });
    const instance = await camunda.start('HttpCaller', {
      ...variables({ retryCycle: 'R5/PT1S', url: `${server.url}/things?x=1`, method: 'post', payload: 'hello body' }),
      headers: json({ 'Content-Type': 'text/plain', 'X-Request': 'abc' }),
    });
    await waitIn(instance.id, 'Activity_Done');

    const vars = await camunda.typedVariables(instance.id);
    expect(vars.statusCode).to.deep.include({ value: 201, type: 'Integer' });
    expect(vars.response).to.deep.include({ value: '{"created":true}', type: 'String' });
    expect(vars.responseHeaders.type).to.equal('Json');
    expect(JSON.parse(vars.responseHeaders.value as string)).to.include({ 'X-Answer': '42' });

    expect(server.requests).to.have.length(1);
    const [request] = server.requests;
    expect(request).to.deep.include({ method: 'POST', path: '/things?x=1', body: 'hello body' });
    expect(request.headers).to.include({ 'content-type': 'text/plain', 'x-request': 'abc' });
  });

  it('2xx with a body longer than 4000 characters: stored whole, read back as text', async () => {
    const body = `${'é'.repeat(3000)}${'x'.repeat(7000)}`;
    server.enqueue({ status: 200, body, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    const instance = await call({ url: `${server.url}/big` });
    await waitIn(instance.id, 'Activity_Done');

    const vars = await camunda.typedVariables(instance.id);
    expect(vars.statusCode.value).to.equal(200);
    expect(vars.response.type).to.equal('Object');
    expect(vars.response.valueInfo).to.include({
      objectTypeName: 'java.lang.String',
      serializationDataFormat: 'application/json',
    });
    expect(JSON.parse(vars.response.value as string)).to.equal(body);
  });

  it('a GET without method, headers or payload', async () => {
    server.enqueue({ status: 204 });
    const instance = await call({ url: `${server.url}/empty` });
    await waitIn(instance.id, 'Activity_Done');
    expect(server.requests[0].method).to.equal('GET');
    const vars = await camunda.typedVariables(instance.id);
    expect(vars.statusCode.value).to.equal(204);
  });

  it('429 then 200: fails technically, the caller job retries and completes', async () => {
    server.enqueue({ status: 429, body: 'slow down' }, { status: 200, body: 'ok' });
    const instance = await call({ url: `${server.url}/busy` });

    const failed = await eventually('the job to record the 429', async () => {
      const [job] = await camunda.jobs({ processInstanceId: instance.id, withException: 'true' });
      return job;
    });
    expect(failed.exceptionMessage).to.contain('HTTP 429').and.contain('slow down');
    expect(failed.retries).to.equal(4);

    await waitIn(instance.id, 'Activity_Done');
    expect(server.requests).to.have.length(2);
    expect((await camunda.typedVariables(instance.id)).response.value).to.equal('ok');
  });

  it('503 several times: retries each time and completes', async () => {
    server.enqueue({ status: 503 }, { status: 502 }, { status: 500 }, { status: 200, body: 'finally' });
    const instance = await call({ url: `${server.url}/flaky` }, 5);
    await waitIn(instance.id, 'Activity_Done');
    expect(server.requests).to.have.length(4);
    expect((await camunda.typedVariables(instance.id)).response.value).to.equal('finally');
    expect(await camunda.incidents({ processInstanceId: instance.id })).to.be.empty;
  });

  it('404: ends in the BPMN error HttpError with the status and body, which the caller catches', async () => {
    server.enqueue({ status: 404, body: '{"error":"no such thing"}', headers: { 'Content-Type': 'application/json' } });
    const instance = await call({ url: `${server.url}/missing` });
    await waitIn(instance.id, 'Activity_Rejected');

    const vars = await camunda.typedVariables(instance.id);
    expect(vars.caughtErrorCode.value).to.equal('HttpError');
    expect(vars.caughtErrorMessage.value).to.equal(
      `HTTP 404 from GET ${server.url}/missing: {"error":"no such thing"}`,
    );
    expect(vars.statusCode.value).to.equal(404);
    expect(vars.response.value).to.equal('{"error":"no such thing"}');
    expect(server.requests, 'a 404 is not retried').to.have.length(1);
  });

  it('other 4xx and unfollowed 3xx end in HttpError too; 4xx bodies longer than 4000 characters do not break it', async () => {
    const long = 'e'.repeat(6000);
    for (const [status, body] of [
      [400, long],
      [403, 'forbidden'],
      [409, 'conflict'],
      [304, ''],
    ] as const) {
      server.reset();
      server.enqueue({ status, body });
      const instance = await call({ url: `${server.url}/status/${status}` });
      await waitIn(instance.id, 'Activity_Rejected');
      const vars = await camunda.typedVariables(instance.id);
      expect(vars.caughtErrorMessage.value, `status ${status}`).to.match(new RegExp(`^HTTP ${status} from GET `));
      expect((vars.caughtErrorMessage.value as string).length).to.be.below(1200);
      expect(server.requests).to.have.length(1);
      await camunda.deleteInstance(instance.id);
    }
  });

  it('a server that never answers: times out, the job retries and completes', async () => {
    server.enqueue('hang', { status: 200, body: 'awake' });
    const started = Date.now();
    const instance = await call({ url: `${server.url}/sleepy`, timeout: 1000 });

    const failed = await eventually('the job to record the timeout', async () => {
      const [job] = await camunda.jobs({ processInstanceId: instance.id, withException: 'true' });
      return job;
    });
    expect(failed.exceptionMessage).to.contain('Unable to execute HTTP request');
    expect(await camunda.stacktrace(failed.id)).to.match(/SocketTimeoutException: Read timed out/);
    await waitIn(instance.id, 'Activity_Done');
    expect(Date.now() - started).to.be.at.least(1000);
    expect(server.requests).to.have.length(2);
    expect((await camunda.typedVariables(instance.id)).response.value).to.equal('awake');
  });

  it('connection refused: fails technically; once the retries are used up, an incident says why', async () => {
    const closed = new HttpStub();
    await closed.start();
    const url = `${closed.url}/gone`;
    await closed.close();

    const instance = await call({ url }, 2);
    const incident = await eventually('an incident', async () => (await camunda.incidentsOf(instance.id))[0], 30_000);
    expect(incident.incidentType).to.equal('failedJob');
    expect(incident.activityId).to.equal('Activity_CallHttp');
    expect(incident.incidentMessage).to.contain('Unable to execute HTTP request');
    expect(await camunda.stacktrace(incident.configuration)).to.match(/Connection refused/);
  });
});
