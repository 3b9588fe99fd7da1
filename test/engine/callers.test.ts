// REST_AUTH=google on the real engine jar: each caller proves who it is with a Google ID token in
// Authorization and may call only what REST_CALLERS allows it. The tokens are signed here with a key
// pair of the test, whose public half a local server offers as TOKEN_CERTS_URL.

import { expect } from 'chai';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HttpServer } from '../../devkit/http-server';
import { freePort } from '../../devkit/loopback';
import { waitFor } from '../../devkit/wait';
import { startEngine, type RunningEngine } from '../../local/engine';

const FUNCTION = 'echo-fn@p.iam.gserviceaccount.com';
const OPERATOR = 'ops@example.com';
const KEY_ID = 'test-key';

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An RS256 JWT shaped like a Google ID token of a service account. */
function idToken(key: KeyObject, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KEY_ID }));
  const payload = base64url(
    JSON.stringify({ iss: 'https://accounts.google.com', iat: now, exp: now + 600, email_verified: true, ...claims }),
  );
  return `${header}.${payload}.${base64url(sign('sha256', Buffer.from(`${header}.${payload}`), key))}`;
}

describe('engine with REST_AUTH=google', function () {
  this.timeout(120_000);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const certs = new HttpServer();
  let dataDir: string;
  let engine: RunningEngine;
  let audience: string;

  /** A token of `email` for this engine (Host 127.0.0.1:PORT), with more or other claims. */
  const tokenOf = (email: string, claims: Record<string, unknown> = {}, key: KeyObject = privateKey) =>
    idToken(key, { aud: audience, email, ...claims });

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${engine.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}`, 'x-serverless-authorization': `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const engineLog = () => readFileSync(engine.logFile, 'utf8');

  /** The one-line reason of a refusal, from Camunda's error shape. */
  const reason = async (response: Response) => ((await response.json()) as { message: string }).message;

  before(async () => {
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' };
    certs.on('GET', '/oauth2/v3/certs', { body: { keys: [jwk] } });
    await certs.start();
    dataDir = mkdtempSync(join(tmpdir(), 'engine-callers-'));
    const port = await freePort();
    audience = `https://127.0.0.1:${port}`;
    engine = await startEngine({
      dataDir,
      port,
      settings: {
        REST_AUTH: 'google',
        TOKEN_CERTS_URL: `${certs.url}/oauth2/v3/certs`,
        REST_CALLERS: `${FUNCTION}=POST /engine-rest/message;${OPERATOR.toUpperCase()}=*`,
      },
    });
  });

  after(async () => {
    await engine?.stop();
    await certs.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps /ready open without a token', async () => {
    expect((await call('GET', '/ready')).status).to.equal(200);
  });

  it("lets the function's message correlation through to the engine", async () => {
    const response = await call('POST', '/engine-rest/message', tokenOf(FUNCTION), { messageName: 'Nobody' });
    // Camunda's own answer: the request got past the filter.
    expect(response.status).to.equal(400);
    expect(await reason(response)).to.match(/no process definition or execution matches/i);
  });

  it('refuses the function any other path with 403 naming the email, method and path', async () => {
    const response = await call('GET', '/engine-rest/process-definition', tokenOf(FUNCTION));
    expect(response.status).to.equal(403);
    expect(await reason(response)).to.include(`${FUNCTION} may not GET /engine-rest/process-definition`);
    expect((await call('POST', '/engine-rest/deployment/create', tokenOf(FUNCTION.toUpperCase()))).status).to.equal(
      403,
    );
  });

  it('lets the operator call anything, whatever the case of its email', async () => {
    const response = await call('GET', '/engine-rest/process-definition', tokenOf(OPERATOR));
    expect(response.status).to.equal(200);
    expect(await response.json()).to.be.an('array').that.is.not.empty;
  });

  it('refuses an email that is not a caller with 403', async () => {
    const response = await call('GET', '/engine-rest/process-definition', tokenOf('stranger@example.com'));
    expect(response.status).to.equal(403);
    expect(await reason(response)).to.include('not in REST_CALLERS');
  });

  const refusals: Array<{ what: string; token: () => string | undefined; because: RegExp }> = [
    { what: 'no token', token: () => undefined, because: /no token/ },
    {
      what: 'an expired token',
      token: () => tokenOf(OPERATOR, { exp: Math.floor(Date.now() / 1000) - 60 }),
      because: /expired/,
    },
    {
      what: 'a token for another audience',
      token: () => tokenOf(OPERATOR, { aud: 'https://other.a.run.app' }),
      because: /audience https:\/\/other\.a\.run\.app is not https:\/\/127\.0\.0\.1:\d+/,
    },
    { what: 'a token signed by another key', token: () => tokenOf(OPERATOR, {}, other), because: /signature/ },
    { what: 'a token of another issuer', token: () => tokenOf(OPERATOR, { iss: 'https://evil' }), because: /issuer/ },
    { what: 'text that is no token', token: () => 'not-a-token', because: /not a JWT/ },
  ];

  for (const { what, token, because } of refusals) {
    it(`refuses ${what} with 401 and one line`, async () => {
      const response = await call('GET', '/engine-rest/process-definition', token());
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.equal('Bearer');
      const message = await reason(response);
      expect(message).to.match(because);
      expect(message).to.not.include('\n');
    });
  }

  it('logs each refusal as one line, never with the token', async () => {
    const token = tokenOf(FUNCTION);
    await call('DELETE', '/engine-rest/process-instance/42', token);
    const refusal = 'refused 403 DELETE /engine-rest/process-instance/42';
    const line = await waitFor(
      () =>
        engineLog()
          .split('\n')
          .find((l) => l.includes(refusal)),
      { what: refusal },
    );
    expect(line).to.include(`${FUNCTION} may not DELETE /engine-rest/process-instance/42`);
    expect(engineLog()).to.not.include(token.split('.')[2]);
  });
});
