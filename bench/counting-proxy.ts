/**
 * A plain HTTP proxy in front of the engine that counts the requests passing through it, so the
 * benchmark can say how many requests each pattern sends the engine while nothing happens (pull
 * workers keep polling; push sends nothing). Connections to the engine are kept alive, so the proxy
 * adds well under a millisecond and no connection set-up to a round trip.
 */
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  /** Base URL of the proxy (http://127.0.0.1:PORT): use it instead of the engine's. */
  readonly url: string;
  /** Requests received since start (or the last reset). */
  readonly count: number;
  /** Requests received per path without query, such as /engine-rest/external-task/fetchAndLock. */
  readonly byPath: ReadonlyMap<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let count = 0;
  const byPath = new Map<string, number>();

  const server: Server = createServer((incoming, outgoing) => {
    count += 1;
    const path = (incoming.url ?? '/').split('?')[0];
    byPath.set(path, (byPath.get(path) ?? 0) + 1);
    const forwarded = httpRequest(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`counting proxy: ${error.message}`);
    });
    incoming.pipe(forwarded);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get count() {
      return count;
    },
    byPath,
    reset() {
      count = 0;
      byPath.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
