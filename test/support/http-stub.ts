/**
 * A programmable HTTP server on 127.0.0.1 for the BPMN tests: it records every request and answers
 * with whatever the test queued (a status and body, a hang that never answers, a dropped connection).
 * A thin face on the dev kit's server (devkit/http-server.ts), kept for the tests written against it.
 */
import { HttpServer, type RecordedRequest } from '../../devkit/http-server';

export type { RecordedRequest } from '../../devkit/http-server';

export type StubAnswer =
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Never answers; the connection stays open until the client gives up or the stub closes. */
  | 'hang'
  /** Destroys the connection without an answer. */
  | 'drop';

export type StubHandler = (request: RecordedRequest) => StubAnswer | Promise<StubAnswer>;

const OK_EMPTY_JSON: StubHandler = () => ({ status: 200, body: '{}', headers: { 'Content-Type': 'application/json' } });

export class HttpStub {
  private readonly server = new HttpServer().otherwise(OK_EMPTY_JSON);

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  /** Answers the next requests with these, in order; after them the fallback answers. */
  enqueue(...answers: StubAnswer[]): this {
    this.server.enqueue(...answers);
    return this;
  }

  /** What answers once the queue is empty. */
  otherwise(handler: StubHandler): this {
    this.server.otherwise(handler);
    return this;
  }

  /** Forgets requests and queued answers, and restores the default fallback (200 {}). */
  reset(): void {
    this.server.reset();
    this.server.otherwise(OK_EMPTY_JSON);
  }

  /** Requests to one path (without the query). */
  requestsTo(path: string): RecordedRequest[] {
    return this.server.requestsTo(path);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
