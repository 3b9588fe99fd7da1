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
 * Every answer carries "Metadata-Flavor: Google", which client libraries check. It runs on the dev
 * kit's server (devkit/http-server.ts).
 */
import { randomBytes } from 'node:crypto';

import { HttpServer, pathOf, type RecordedRequest, type Reply } from '../devkit/http-server';

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

  const answer = (request: RecordedRequest): Reply => {
    requests += 1;
    if (request.method !== 'GET' || pathOf(request.path) !== TOKEN_PATH) return text(404, 'Not Found\n');
    if ((request.headers['metadata-flavor'] ?? '').toLowerCase() !== 'google') {
      return text(403, 'Missing required header "Metadata-Flavor": "Google"\n');
    }
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      return text(failures.status, `local metadata server: injected failure ${failures.status}\n`);
    }
    tokensIssued += 1;
    lastToken = `local-${randomBytes(12).toString('hex')}`;
    return {
      status: 200,
      headers: { 'Metadata-Flavor': 'Google', 'Content-Type': 'application/json' },
      body: JSON.stringify({ access_token: lastToken, expires_in: 3599, token_type: 'Bearer' }),
    };
  };

  // Nothing recorded: the local stack runs it for hours.
  const server = await new HttpServer({ port: options.port, record: false }).otherwise(answer).start();
  return {
    url: server.url,
    port: server.port,
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
    close: () => server.close(),
  };
}

function text(status: number, body: string): Reply {
  return { status, headers: { 'Metadata-Flavor': 'Google', 'Content-Type': 'text/plain' }, body };
}
