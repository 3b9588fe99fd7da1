// A stand-in for the GCE metadata server (reached through GCE_METADATA_HOST): signs nothing, but
// hands out JWT-shaped ID tokens the way google-auth-library expects them. On the dev kit's server.
import { HttpServer, type RecordedRequest, type Reply } from '../../../devkit/http-server';

export interface MetadataRequest {
  readonly path: string;
  readonly audience: string | null;
  readonly flavor: string | undefined;
}

const IDENTITY_PATH = '/computeMetadata/v1/instance/service-accounts/default/identity';

/** An unsigned token whose payload says who it is for and when it expires: enough for the client. */
export function fakeIdToken(audience: string, serial: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = { aud: audience, exp: Math.floor(Date.now() / 1000) + 3600, serial };
  return `${part({ alg: 'none' })}.${part(payload)}.c2ln`;
}

export class FakeMetadataServer {
  readonly requests: MetadataRequest[] = [];
  /** HTTP status for identity requests; 200 hands out a token. */
  identityStatus = 200;
  private issued = 0;
  private readonly server = new HttpServer({ record: false }).otherwise((request) => this.answer(request));

  /** host:port, the form GCE_METADATA_HOST takes. */
  get host(): string {
    return this.server.host;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  identityRequests(): MetadataRequest[] {
    return this.requests.filter((request) => request.path === IDENTITY_PATH);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private answer(request: RecordedRequest): Reply {
    const url = new URL(request.path, 'http://metadata');
    const flavor = request.headers['metadata-flavor'];
    this.requests.push({ path: url.pathname, audience: url.searchParams.get('audience'), flavor });
    const reply = (status: number, body: string): Reply => ({
      status,
      body,
      headers: { 'metadata-flavor': 'Google', 'content-type': 'text/plain' },
    });
    if (flavor !== 'Google') return reply(403, 'missing Metadata-Flavor header');
    if (url.pathname === IDENTITY_PATH && this.identityStatus === 200) {
      return reply(200, fakeIdToken(url.searchParams.get('audience') ?? '', ++this.issued));
    }
    if (url.pathname === IDENTITY_PATH) return reply(this.identityStatus, 'identity unavailable');
    if (url.pathname === '/computeMetadata/v1/project/project-id') return reply(200, 'test-project');
    return reply(404, 'not found');
  }
}

/** Environment that makes google-auth-library use the fake metadata server and nothing else. */
export function metadataEnv(host: string, emptyDir: string): Record<string, string> {
  return {
    GCE_METADATA_HOST: host,
    METADATA_SERVER_DETECTION: 'assume-present',
    // Skips the project lookup through the gcloud CLI, and any gcloud credentials on this machine.
    GOOGLE_CLOUD_PROJECT: 'test-project',
    CLOUDSDK_CONFIG: emptyDir,
  };
}
