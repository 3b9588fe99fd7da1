/**
 * An HTTP proxy on 127.0.0.1 that sits between two parts of the local stack and, when told to, does
 * something other than pass a request on. The chaos run puts one in front of the emulator's REST
 * endpoint (the engine's publishes), one in front of the function (the emulator's pushes) and one in
 * front of the engine (the function's replies).
 *
 * Faults are armed one at a time: `arm(fault)` applies to the next request that `matches`, and the
 * fault counts as injected only when a request actually met it (`onInjected`). Everything else is
 * forwarded as it is. The proxy sees every answer it forwards (`onExchange`), which is how the chaos
 * run learns the id of every message the emulator accepted, even one whose answer the engine never got.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyAction =
  /** Answer this status without forwarding: the far side never sees the request. */
  | { readonly kind: 'refuse'; readonly status: number }
  /** Never answer; drop the connection after `holdMs`, as a server that hangs until the caller gives up. */
  | { readonly kind: 'hang'; readonly holdMs: number }
  /** Forward; the far side acts on it, but the caller gets `status` instead of the real answer (a lost answer). */
  | { readonly kind: 'replace-answer'; readonly status: number }
  /** Forward; then drop the connection instead of answering (the answer is lost on the way back). */
  | { readonly kind: 'drop-answer' }
  /** Forward; hold the real answer until `release` resolves. */
  | { readonly kind: 'hold-answer'; readonly release: (exchange: Exchange) => Promise<void> }
  /** Forward the same request twice at once; answer with the better of the two answers. */
  | { readonly kind: 'duplicate' };

export interface ArmedFault {
  readonly action: ProxyAction;
  /** Called once a request met the fault (before the fault plays out). */
  readonly onInjected?: (request: ProxiedRequest) => void;
}

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly path: string;
  readonly body: Buffer;
}

export interface Exchange {
  readonly request: ProxiedRequest;
  /** The far side's answer, when the request was forwarded and answered. */
  readonly status?: number;
  readonly body?: Buffer;
  /** What the proxy did instead of plain forwarding, if anything. */
  readonly fault?: ProxyAction['kind'];
}

export interface FaultProxyOptions {
  readonly name: string;
  /** The base URL requests go on to, such as http://127.0.0.1:8085 (or set later with `start`). */
  readonly target?: string;
  /** Which requests armed faults apply to (default: every request). */
  readonly matches?: (request: ProxiedRequest) => boolean;
  /** Every request that got an answer from the far side (forwarded, possibly faulted). */
  readonly onExchange?: (exchange: Exchange) => void;
  /** Bound on one forwarded request. */
  readonly upstreamTimeoutMs?: number;
  /**
   * What the caller gets when the far side cannot be reached or fails mid-request: by default a
   * dropped connection (what a dead server looks like), or this status, as from a front end (Google's
   * in front of a function answers 5xx when the instance behind it died; Pub/Sub never sees a bare
   * dropped connection from a push endpoint).
   */
  readonly upstreamFailureStatus?: number;
  /**
   * How long to keep trying while the far side refuses connections (it is restarting) before giving
   * up, as Cloud Run's front end holds a request while a new instance starts. Default 0: no waiting.
   */
  readonly holdWhileDownMs?: number;
}

export class FaultProxy {
  private server?: Server;
  private readonly armed: ArmedFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private portNumber = 0;
  private target: string;

  constructor(private readonly options: FaultProxyOptions) {
    this.target = options.target ?? '';
  }

  get url(): string {
    if (!this.server) throw new Error(`${this.options.name} proxy is not started`);
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** Faults armed that no request has met yet. */
  get pending(): number {
    return this.armed.length;
  }

  /** Listens on a free port of 127.0.0.1 and returns the proxy's base URL; `target` replaces the one given at construction. */
  async start(target?: string): Promise<string> {
    if (target !== undefined) this.target = target;
    if (!this.target) throw new Error(`${this.options.name} proxy has no target`);
    const server = createServer((request, response) => void this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** The next matching request meets this fault (faults queue up in order). */
  arm(fault: ArmedFault): void {
    this.armed.push(fault);
  }

  /** Forgets faults no request met yet; returns how many. */
  disarm(): number {
    return this.armed.splice(0).length;
  }

  async close(): Promise<void> {
    this.disarm();
    for (const timer of this.timers) clearTimeout(timer);
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request: ProxiedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      body: Buffer.concat(chunks),
    };
    const fault = (this.options.matches ?? (() => true))(request) ? this.armed.shift() : undefined;
    fault?.onInjected?.(request);
    const action = fault?.action;
    try {
      switch (action?.kind) {
        case undefined:
          return this.answer(response, await this.forward(request, incoming));
        case 'refuse':
          return this.answer(response, {
            status: action.status,
            headers: {},
            body: Buffer.from(`{"error":"injected ${action.status}"}`),
          });
        case 'hang':
          return this.later(action.holdMs, () => response.socket?.destroy());
        case 'replace-answer': {
          await this.forward(request, incoming, action.kind);
          return this.answer(response, {
            status: action.status,
            headers: {},
            body: Buffer.from(`{"error":"injected ${action.status}"}`),
          });
        }
        case 'drop-answer':
          await this.forward(request, incoming, action.kind);
          response.socket?.destroy();
          return;
        case 'hold-answer': {
          const answer = await this.forward(request, incoming, action.kind);
          await action.release({ request, status: answer.status, body: answer.body, fault: action.kind });
          return this.answer(response, answer);
        }
        case 'duplicate': {
          const answers = await Promise.all([
            this.forward(request, incoming, action.kind),
            this.forward(request, incoming, action.kind),
          ]);
          const ok = answers.find((answer) => answer.status >= 200 && answer.status < 300);
          return this.answer(response, ok ?? answers[0]);
        }
      }
    } catch {
      // The far side is down or slow (a restart).
      const status = this.options.upstreamFailureStatus;
      if (status === undefined || response.headersSent) {
        response.socket?.destroy();
      } else {
        this.answer(response, { status, headers: {}, body: Buffer.from(`{"error":"upstream unavailable"}`) });
      }
    }
  }

  private async forward(
    request: ProxiedRequest,
    incoming: IncomingMessage,
    fault?: ProxyAction['kind'],
  ): Promise<Upstream> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const send = () =>
      fetch(`${this.target}${request.path}`, {
        method: request.method,
        headers,
        ...(hasBody ? { body: new Uint8Array(request.body) } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.upstreamTimeoutMs ?? 60_000),
      });
    const downUntil = Date.now() + (this.options.holdWhileDownMs ?? 0);
    let upstream: Response;
    for (;;) {
      try {
        upstream = await send();
        break;
      } catch (error) {
        // Refused: nothing reached the far side, so trying again cannot duplicate anything.
        const refused = (error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED';
        if (!refused || Date.now() >= downUntil) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    const answer: Upstream = { status: upstream.status, headers: Object.fromEntries(upstream.headers), body };
    this.options.onExchange?.({ request, status: answer.status, body, ...(fault ? { fault } : {}) });
    return answer;
  }

  private answer(response: ServerResponse, answer: Upstream): void {
    const headers = Object.fromEntries(
      Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== 'content-encoding'),
    );
    response.writeHead(answer.status, {
      ...headers,
      'content-type': answer.headers['content-type'] ?? 'application/json',
      'content-length': String(answer.body.length),
    });
    response.end(answer.body);
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

// Headers that belong to one connection, not to the request (RFC 9110), plus the ones fetch sets itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
]);
