/**
 * A development stand-in for the GCE metadata server, on 127.0.0.1: it hands out fake access tokens
 * the way Cloud Run's metadata server hands out real ones, so the BPMN block FetchToken (and anything
 * else that asks for the default service account's token) runs unchanged on a laptop and in tests.
 * Point the engine's METADATA_URL at its `url`. It is not a security boundary and its tokens grant
 * nothing: the local Pub/Sub emulator ignores them.
 *
 *   GET /computeMetadata/v1/instance/service-accounts/default/token
 *     with "Metadata-Flavor: Google": 200 {"access_token":"local-…","expires_in":3599,"token_type":"Bearer"}
 *     without it: 403, as the real server answers
 *   anything else: 404
 *
 * Every answer carries "Metadata-Flavor: Google", which client libraries check.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';

export interface MetadataServerOptions {
  /** Port on 127.0.0.1; a free one by default. */
  readonly port?: number;
}

export interface MetadataServer {
  /** Base URL, such as http://127.0.0.1:PORT: the engine's METADATA_URL. */
  readonly url: string;
  readonly port: number;
  /** Token requests answered with a token. */
  readonly tokensIssued: number;
  /** Every request received, refused ones included. */
  readonly requests: number;
  /** The last token handed out, if any. */
  readonly lastToken: string | undefined;
  /** Makes the next `count` token requests fail with `status` (to test retries). */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

export async function startMetadataServer(options: MetadataServerOptions = {}): Promise<MetadataServer> {
  let tokensIssued = 0;
  let requests = 0;
  let lastToken: string | undefined;
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    request.resume(); // no body is expected; drain whatever comes
    response.setHeader('Metadata-Flavor', 'Google');
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== TOKEN_PATH) {
      return send(response, 404, 'text/plain', 'Not Found\n');
    }
    if (String(request.headers['metadata-flavor'] ?? '').toLowerCase() !== 'google') {
      return send(response, 403, 'text/plain', 'Missing required header "Metadata-Flavor": "Google"\n');
    }
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      return send(
        response,
        failures.status,
        'text/plain',
        `local metadata server: injected failure ${failures.status}\n`,
      );
    }
    tokensIssued += 1;
    lastToken = `local-${randomBytes(12).toString('hex')}`;
    return send(
      response,
      200,
      'application/json',
      JSON.stringify({ access_token: lastToken, expires_in: 3599, token_type: 'Bearer' }),
    );
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get tokensIssued() {
      return tokensIssued;
    },
    get requests() {
      return requests;
    },
    get lastToken() {
      return lastToken;
    },
    failNext(count, status) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
