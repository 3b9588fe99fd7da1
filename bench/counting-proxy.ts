/**
 * A plain HTTP proxy in front of the engine that counts the requests passing through it, so the
 * benchmark can say how many requests each pattern sends the engine while nothing happens (pull
 * workers keep polling; push sends nothing). Connections to the engine are kept alive, so the proxy
 * adds well under a millisecond and no connection set-up to a round trip. The forwarding is the dev
 * kit's (devkit/proxy.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { HttpProxy } from '../devkit/proxy';

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

class RequestCounter extends HttpProxy implements CountingProxy {
  count = 0;
  readonly byPath = new Map<string, number>();

  reset(): void {
    this.count = 0;
    this.byPath.clear();
  }

  protected override handle(incoming: IncomingMessage, response: ServerResponse): void {
    this.count += 1;
    const path = (incoming.url ?? '/').split('?')[0];
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
    this.pass(incoming, response);
  }
}

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  // A long keep-alive toward the callers, so their pooled connections stay usable between steps; no
  // bound on a request, which the caller sets (a long poll waits as long as it asked to).
  const proxy = new RequestCounter({
    name: 'counting',
    target: targetUrl,
    keepAliveTimeoutMs: 65_000,
    upstreamTimeoutMs: 0,
  });
  await proxy.start();
  return proxy;
}
