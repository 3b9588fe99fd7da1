/**
 * The base of the dev kit's HTTP proxies on 127.0.0.1 (the chaos run's fault proxy, the benchmark's
 * counting proxy): it forwards method, path, headers and body to a target over kept-alive
 * connections, streams the answer back (or hands it over whole, for a proxy that looks at it), and
 * closes cleanly, open connections on both sides included. A subclass decides what to do with each
 * request by overriding `handle`; the default passes it on untouched.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

import { LoopbackListener } from './loopback';

export interface HttpProxyOptions {
  /** Names the proxy in its errors ("<name> proxy is not started"). */
  readonly name: string;
  /** The base URL requests go on to, such as http://127.0.0.1:8085 (or given later to `start`). */
  readonly target?: string;
  /** Bound on one forwarded request, answer included (default 60 s; 0: no bound). */
  readonly upstreamTimeoutMs?: number;
  /** How long the proxy keeps an idle connection of its callers open (node's default when unset). */
  readonly keepAliveTimeoutMs?: number;
}

/** A request to forward whole. */
export interface OutgoingRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The far side's answer, read whole; the body decoded when it came compressed. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

// Headers that belong to one connection, not to the request (RFC 9110).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

const DECODERS: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

export class HttpProxy {
  protected target: string;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly listener: LoopbackListener;

  constructor(protected readonly options: HttpProxyOptions) {
    this.target = options.target ?? '';
    this.listener = new LoopbackListener(
      (incoming, response) => void Promise.resolve(this.handle(incoming, response)).catch(() => response.destroy()),
      { keepAliveTimeoutMs: options.keepAliveTimeoutMs },
    );
  }

  /** The proxy's base URL: use it instead of the target's. */
  get url(): string {
    if (!this.listener.listening) throw new Error(`${this.options.name} proxy is not started`);
    return this.listener.url;
  }

  /** Listens on a free port of 127.0.0.1 and returns the base URL; `target` replaces the one given at construction. */
  async start(target?: string): Promise<string> {
    if (target !== undefined) this.target = target;
    if (!this.target) throw new Error(`${this.options.name} proxy has no target`);
    return this.listener.listen();
  }

  /** Stops listening and ends every connection, to the callers and to the target. */
  async close(): Promise<void> {
    await this.listener.close();
    this.agent.destroy();
  }

  /** What to do with one request; by default: pass it on and stream the answer back. */
  protected handle(incoming: IncomingMessage, response: ServerResponse): void | Promise<void> {
    this.pass(incoming, response);
  }

  /** Forwards the request as it streams in and streams the answer back; 502 when the target cannot be reached. */
  protected pass(incoming: IncomingMessage, response: ServerResponse): void {
    const headers = forwardable(incoming.headers, false);
    const forwarded = this.open(incoming.method ?? 'GET', incoming.url ?? '/', headers);
    forwarded.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, forwardable(answer.headers, false));
      answer.pipe(response);
    });
    forwarded.on('error', (error) => {
      if (response.headersSent) return void response.destroy();
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`${this.options.name} proxy: ${error.message}`);
    });
    response.on('close', () => {
      if (!response.writableFinished) forwarded.destroy();
    });
    incoming.pipe(forwarded);
  }

  /** Forwards a request whole and reads the answer whole. Rejects when the target cannot be reached or is too slow. */
  protected forward(request: OutgoingRequest): Promise<UpstreamAnswer> {
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const headers = forwardable(request.headers, true);
    if (hasBody) headers['content-length'] = String(request.body.length);
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      const forwarded = this.open(request.method, request.path, headers);
      forwarded.on('error', reject);
      forwarded.on('response', (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => {
          const encoding = String(answer.headers['content-encoding'] ?? '').toLowerCase();
          const decode = DECODERS[encoding] ?? (async (data: Buffer) => data);
          decode(Buffer.concat(chunks)).then((body) => {
            const answered = Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, String(v)]));
            if (DECODERS[encoding]) delete answered['content-encoding'];
            resolve({ status: answer.statusCode ?? 502, headers: answered, body });
          }, reject);
        });
      });
      forwarded.end(hasBody ? request.body : undefined);
    });
  }

  /** Writes an answer that is whole in memory. */
  protected reply(response: ServerResponse, answer: UpstreamAnswer): void {
    if (response.destroyed) return;
    const headers = forwardable(answer.headers, true);
    response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
    response.end(answer.body);
  }

  private open(method: string, path: string, headers: IncomingHttpHeaders) {
    const target = new URL(this.target);
    const timeoutMs = this.options.upstreamTimeoutMs ?? 60_000;
    return httpRequest({
      agent: this.agent,
      hostname: target.hostname,
      port: target.port,
      method,
      path,
      headers: { ...headers, host: target.host },
      ...(timeoutMs > 0 ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
  }
}

/** Reads a request's body whole. */
export async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The headers that go on to the other side: no hop-by-hop ones, no host; no length when the body is resent whole. */
function forwardable(headers: IncomingHttpHeaders, whole: boolean): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'host') continue;
    if (whole && name === 'content-length') continue;
    kept[name] = value;
  }
  return kept;
}
