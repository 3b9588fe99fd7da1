/**
 * A programmable HTTP server on 127.0.0.1 for the BPMN tests: it records every request and answers
 * with whatever the test queued (a status and body, a hang that never answers, a dropped connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly at: number;
}

export type StubAnswer =
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Never answers; the connection stays open until the client gives up or the stub closes. */
  | 'hang'
  /** Destroys the connection without an answer. */
  | 'drop';

export type StubHandler = (request: RecordedRequest) => StubAnswer | Promise<StubAnswer>;

export class HttpStub {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: StubAnswer[] = [];
  private fallback: StubHandler = () => ({ status: 200, body: '{}', headers: { 'Content-Type': 'application/json' } });
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private portNumber = 0;

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.portNumber = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Answers the next requests with these, in order; after them the fallback answers. */
  enqueue(...answers: StubAnswer[]): this {
    this.queue.push(...answers);
    return this;
  }

  /** What answers once the queue is empty. */
  otherwise(handler: StubHandler): this {
    this.fallback = handler;
    return this;
  }

  /** Forgets requests and queued answers, and restores the default fallback (200 {}). */
  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.fallback = () => ({ status: 200, body: '{}', headers: { 'Content-Type': 'application/json' } });
  }

  /** Requests to one path (without the query). */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.split('?')[0] === path);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    this.requests.push(recorded);
    const answer = this.queue.length > 0 ? this.queue.shift()! : await this.fallback(recorded);
    if (answer === 'hang') return; // keep the socket open; close() destroys it
    if (answer === 'drop') {
      request.socket.destroy();
      return;
    }
    const body = answer.body ?? '';
    response.writeHead(answer.status, { 'Content-Length': Buffer.byteLength(body), ...answer.headers });
    response.end(body);
  }
}
