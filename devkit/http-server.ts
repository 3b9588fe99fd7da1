/**
 * A programmable HTTP server on a free port of 127.0.0.1, for fakes and tests: it routes by method and
 * path, records every request, answers what the test scripted (a status, body, headers, a delay, a
 * queue of answers, or a function of the request), and always closes, open connections included.
 *
 *   const server = await new HttpServer().start();
 *   server.on('POST', /^\/v1\/topics\/([^/]+):publish$/, (request, [topic]) => ({ status: 200, body: { topic } }));
 *   server.on('GET', '/ready', { status: 503 }).enqueue({ status: 200, delayMs: 50 });
 *   ...
 *   await server.close();
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { LoopbackListener, type LoopbackOptions } from './loopback';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly path: string;
  /** Lowercase names; a repeated header's values joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as UTF-8 text ('' when there was none). */
  readonly body: string;
  /** Date.now() when the body was read. */
  readonly at: number;
}

export type Reply =
  | {
      readonly status?: number;
      /** Text and bytes go as they are; anything else as JSON (with content-type application/json). */
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
      /** Answer this much later (the connection stays open meanwhile). */
      readonly delayMs?: number;
    }
  /** Never answer: the connection stays open until the client gives up or the server closes. */
  | 'hang'
  /** End the connection without an answer. */
  | 'drop';

/** Answers a request; `params` are the groups a RegExp path captured. */
export type Handler = (request: RecordedRequest, params: string[]) => Reply | Promise<Reply>;
export type Script = Reply | Handler;

export interface HttpServerOptions extends LoopbackOptions {
  /** Keep every request in `requests` (default true; a long-lived server turns it off). */
  readonly record?: boolean;
}

/** One method and path, with the answers queued for it and what answers once they ran out. */
export class Route {
  readonly queue: Reply[] = [];

  constructor(
    readonly method: string,
    readonly path: string | RegExp,
    public script: Script,
  ) {}

  /** The next requests to this route get these, in order; then the route's script answers again. */
  enqueue(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Captured groups when the request matches (none for a string path), otherwise undefined. */
  match(method: string, pathname: string): string[] | undefined {
    if (this.method !== '*' && this.method !== method) return undefined;
    if (typeof this.path === 'string') return this.path === pathname ? [] : undefined;
    const found = this.path.exec(pathname);
    return found ? found.slice(1) : undefined;
  }
}

const NOT_FOUND: Handler = (request) => ({
  status: 404,
  body: { error: `no route for ${request.method} ${request.path.split('?')[0]}` },
});

export class HttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly queue: Reply[] = [];
  private fallback: Script = NOT_FOUND;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listener: LoopbackListener;

  constructor(private readonly options: HttpServerOptions = {}) {
    this.listener = new LoopbackListener((request, response) => void this.handle(request, response), options);
  }

  /** Base URL, such as http://127.0.0.1:41234. */
  get url(): string {
    return this.listener.url;
  }

  /** host:port, such as 127.0.0.1:41234. */
  get host(): string {
    return this.listener.host;
  }

  get port(): number {
    return this.listener.port;
  }

  async start(): Promise<this> {
    await this.listener.listen();
    return this;
  }

  /** Answers `method` ('*' for any) on `path` (the path without query, or a RegExp tested against it). */
  on(method: string, path: string | RegExp, script: Script): Route {
    const route = new Route(method.toUpperCase(), path, script);
    this.routes.push(route);
    return route;
  }

  /** The next requests, whatever their route, get these in order (before any route answers). */
  enqueue(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** What answers a request no route and no queued answer took (default: 404). */
  otherwise(script: Script): this {
    this.fallback = script;
    return this;
  }

  /** Requests to one path (without the query). */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => pathOf(request.path) === path);
  }

  /** Forgets the requests and every queued answer; routes and the fallback stay. */
  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    for (const route of this.routes) route.queue.length = 0;
  }

  /** Stops listening, ends every open connection and drops delayed answers. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.listener.close();
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    let request: RecordedRequest;
    try {
      request = await readRequest(incoming);
    } catch {
      return; // the client went away mid-body
    }
    if (this.options.record !== false) this.requests.push(request);
    let reply: Reply;
    try {
      reply = await this.replyTo(request);
    } catch (error) {
      reply = { status: 500, body: { error: `http-server handler failed: ${(error as Error).message}` } };
    }
    if (reply === 'hang') return;
    if (reply === 'drop') {
      incoming.socket.destroy();
      return;
    }
    const delayMs = reply.delayMs ?? 0;
    if (delayMs <= 0) return send(response, reply);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(response, reply);
    }, delayMs);
    this.timers.add(timer);
  }

  private async replyTo(request: RecordedRequest): Promise<Reply> {
    const queued = this.queue.shift();
    if (queued !== undefined) return queued;
    const pathname = pathOf(request.path);
    for (const route of this.routes) {
      const params = route.match(request.method, pathname);
      if (params === undefined) continue;
      return route.queue.shift() ?? (await play(route.script, request, params));
    }
    return play(this.fallback, request, []);
  }
}

function play(script: Script, request: RecordedRequest, params: string[]): Reply | Promise<Reply> {
  return typeof script === 'function' ? script(request, params) : script;
}

export function pathOf(pathAndQuery: string): string {
  const query = pathAndQuery.indexOf('?');
  return query === -1 ? pathAndQuery : pathAndQuery.slice(0, query);
}

/** Reads a request whole: method, path, headers (repeated values joined) and the body as text. */
export async function readRequest(incoming: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: incoming.method ?? 'GET',
    path: incoming.url ?? '/',
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
    at: Date.now(),
  };
}

function send(response: ServerResponse, reply: Exclude<Reply, 'hang' | 'drop'>): void {
  if (response.destroyed) return;
  const raw = reply.body;
  const json = raw !== undefined && typeof raw !== 'string' && !(raw instanceof Uint8Array);
  const body = raw === undefined ? '' : json ? JSON.stringify(raw) : (raw as string | Uint8Array);
  // The names as the script wrote them (a client may look at their case); defaults only where none is given.
  const headers: Record<string, string> = { ...reply.headers };
  const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  if (json && !given.has('content-type')) headers['Content-Type'] = 'application/json';
  if (!given.has('content-length')) headers['Content-Length'] = String(Buffer.byteLength(body));
  response.writeHead(reply.status ?? 200, headers);
  response.end(body);
}
