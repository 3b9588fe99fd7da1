// A stand-in for Camunda's REST API: a real HTTP server on 127.0.0.1 that records every request
// and answers whatever the current test asks for.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type EngineAnswer =
  | { readonly status: number; readonly body?: unknown; readonly delayMs?: number }
  /** Drop the connection without an answer. */
  | { readonly destroy: true };

export const noExecutionMatches = (messageName = 'EchoReply'): EngineAnswer => ({
  status: 400,
  body: {
    type: 'RestException',
    message: `Cannot correlate message '${messageName}': No process definition or execution matches the parameters`,
  },
});

export class FakeEngine {
  readonly requests: RecordedRequest[] = [];
  answer: (request: RecordedRequest) => EngineAnswer = () => ({ status: 204 });
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('fake engine is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        const answer = this.answer(recorded);
        if ('destroy' in answer) {
          req.socket.destroy();
          return;
        }
        const send = () => {
          if (answer.body === undefined) {
            res.writeHead(answer.status).end();
          } else {
            const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
            res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
          }
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.answer = () => ({ status: 204 });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port that was free a moment ago and now refuses connections. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
