// The real google-auth-library path, pointed at a fake metadata server.
import { expect } from 'chai';
import { GoogleAuth } from 'google-auth-library';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { googleIdTokenSource } from '../src/id-token';
import { FakeMetadataServer, metadataEnv } from './support/fake-metadata';

const CREDENTIAL_VARIABLES = ['GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_IP'];

describe('echo-function ID tokens from the metadata server', () => {
  const metadata = new FakeMetadataServer();
  const saved = new Map<string, string | undefined>();
  let emptyDir: string;

  const setEnv = (name: string, value: string | undefined) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  before(async () => {
    await metadata.start();
    emptyDir = mkdtempSync(join(tmpdir(), 'echo-fn-gcloud-'));
    for (const [name, value] of Object.entries(metadataEnv(metadata.host, emptyDir))) setEnv(name, value);
    for (const name of CREDENTIAL_VARIABLES) setEnv(name, undefined);
  });
  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await metadata.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    metadata.requests.length = 0;
    metadata.identityStatus = 200;
  });

  it('asks the metadata server for a token for the audience, with the Metadata-Flavor header', async () => {
    const token = await googleIdTokenSource(new GoogleAuth()).idToken('https://camunda-abc.a.run.app');
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: string };
    expect(payload.aud).to.equal('https://camunda-abc.a.run.app');
    expect(metadata.identityRequests()).to.deep.equal([
      {
        path: '/computeMetadata/v1/instance/service-accounts/default/identity',
        audience: 'https://camunda-abc.a.run.app',
        flavor: 'Google',
      },
    ]);
  });

  it('reuses a token until it nears expiry, per audience', async () => {
    const source = googleIdTokenSource(new GoogleAuth());
    const first = await source.idToken('https://a.example');
    const second = await source.idToken('https://a.example');
    const other = await source.idToken('https://b.example');
    expect(second).to.equal(first);
    expect(other).not.to.equal(first);
    expect(metadata.identityRequests().map((request) => request.audience)).to.deep.equal([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('fails while the metadata server refuses, and recovers on the next call', async () => {
    const source = googleIdTokenSource(new GoogleAuth());
    metadata.identityStatus = 404;
    let failure: unknown;
    await source.idToken('https://a.example').catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(Error);
    metadata.identityStatus = 200;
    expect(await source.idToken('https://a.example')).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
