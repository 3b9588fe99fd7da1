// A stand-in for Camunda's REST API: a real HTTP server on 127.0.0.1 (the dev kit's) that records
// every request and answers whatever the current test asks for.
import { HttpServer, type RecordedRequest, type Reply } from '../../../devkit/http-server';
import { freePort } from '../../../devkit/loopback';

export type { RecordedRequest } from '../../../devkit/http-server';

export type EngineAnswer =
  | { readonly status: number; readonly body?: unknown; readonly delayMs?: number }
  /** Drop the connection without an answer. */
  | { readonly destroy: true };

export const noExecutionMatches = (messageName = 'PushTaskReply'): EngineAnswer => ({
  status: 400,
  body: {
    type: 'RestException',
    message: `Cannot correlate message '${messageName}': No process definition or execution matches the parameters`,
  },
});

export class FakeEngine {
  answer: (request: RecordedRequest) => EngineAnswer = () => ({ status: 204 });
  private readonly server = new HttpServer().otherwise((request) => replyOf(this.answer(request)));

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  get url(): string {
    if (this.server.port === 0) throw new Error('fake engine is not listening');
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  reset(): void {
    this.server.reset();
    this.answer = () => ({ status: 204 });
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** A body of any kind goes as JSON text (a string as it is), with content-type application/json. */
function replyOf(answer: EngineAnswer): Reply {
  if ('destroy' in answer) return 'drop';
  if (answer.body === undefined) return { status: answer.status, delayMs: answer.delayMs };
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  return {
    status: answer.status,
    body: text,
    headers: { 'content-type': 'application/json' },
    delayMs: answer.delayMs,
  };
}

/** A port that was free a moment ago and now refuses connections. */
export const closedPort = freePort;
