// A stand-in for the GCE metadata server (reached through GCE_METADATA_HOST): signs nothing, but
// hands out JWT-shaped ID tokens the way google-auth-library expects them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  private server: Server | undefined;
  private issued = 0;

  /** host:port, the form GCE_METADATA_HOST takes. */
  get host(): string {
    return `127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://metadata');
      const flavor = req.headers['metadata-flavor'] as string | undefined;
      this.requests.push({ path: url.pathname, audience: url.searchParams.get('audience'), flavor });
      const reply = (status: number, body: string) =>
        res.writeHead(status, { 'metadata-flavor': 'Google', 'content-type': 'text/plain' }).end(body);
      if (flavor !== 'Google') return reply(403, 'missing Metadata-Flavor header');
      if (url.pathname === IDENTITY_PATH && this.identityStatus === 200) {
        return reply(200, fakeIdToken(url.searchParams.get('audience') ?? '', ++this.issued));
      }
      if (url.pathname === IDENTITY_PATH) return reply(this.identityStatus, 'identity unavailable');
      if (url.pathname === '/computeMetadata/v1/project/project-id') return reply(200, 'test-project');
      return reply(404, 'not found');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  identityRequests(): MetadataRequest[] {
    return this.requests.filter((request) => request.path === IDENTITY_PATH);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
