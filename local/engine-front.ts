/**
 * The front before the engines, as Cloud Run's load balancer stands before a service's instances: one
 * stable URL on 127.0.0.1 (the function's ENGINE_URL and the stack's REST base) routing every request
 * round-robin over the engines now serving. A refused connection reached nothing, so the request is
 * tried on the next instance; a target is removed before its engine is told to leave, so no new
 * request goes to an instance shutting down (Cloud Run stops routing to an instance before SIGTERM).
 *
 * With one engine it is transparent. With none (every instance down) it answers 503, as Cloud Run does
 * when no instance can take a request; with every target refusing (an engine restarting on its port)
 * it drops the connection, as the engine's own dead port did before the front.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { HttpProxy, readBody, type OutgoingRequest, type UpstreamAnswer } from '../devkit/proxy';

/** Forwards whole requests to one engine (never listens itself). */
class EngineTarget extends HttpProxy {
  constructor(readonly base: string) {
    super({ name: `engine ${base}`, target: base });
  }

  send(request: OutgoingRequest): Promise<UpstreamAnswer> {
    return this.forward(request);
  }
}

const NO_INSTANCE: UpstreamAnswer = {
  status: 503,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"error":"no engine instance available"}'),
};

export class EngineFront extends HttpProxy {
  private targets: EngineTarget[] = [];
  private next = 0;
  private readonly answered = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();

  constructor() {
    super({ name: 'engine front' });
  }

  /** The engines' base URLs now served, in order of joining. */
  get targetUrls(): string[] {
    return this.targets.map((target) => target.base);
  }

  /** How many requests the engine at this base URL answered through the front. */
  answeredBy(url: string): number {
    return this.answered.get(url) ?? 0;
  }

  /** How many requests the engine at this base URL holds now: sent to it, not yet answered. */
  inFlightAt(url: string): number {
    return this.inFlight.get(url) ?? 0;
  }

  /** Listens on a free port of 127.0.0.1 with `first` as its one target; returns the front's base URL. */
  override async start(first?: string): Promise<string> {
    if (first !== undefined && !this.targetUrls.includes(first)) this.add(first);
    return super.start(first ?? this.targets[0]?.base ?? 'http://127.0.0.1:1');
  }

  /** Routes requests to this engine too. */
  add(url: string): void {
    if (!this.targetUrls.includes(url)) this.targets.push(new EngineTarget(url));
  }

  /** Routes no new request to this engine (requests in flight go on). */
  remove(url: string): void {
    const leaving = this.targets.filter((target) => target.base === url);
    this.targets = this.targets.filter((target) => target.base !== url);
    // Later: its kept-alive connections may still carry an answer.
    setTimeout(() => leaving.forEach((target) => void target.close()), 15_000).unref();
  }

  override async close(): Promise<void> {
    await super.close();
    for (const target of this.targets.splice(0)) await target.close();
  }

  protected override async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request: OutgoingRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      headers: incoming.headers,
      body: await readBody(incoming),
    };
    const order = this.roundRobin();
    if (order.length === 0) return this.reply(response, NO_INSTANCE);
    for (const target of order) {
      this.inFlight.set(target.base, this.inFlightAt(target.base) + 1);
      try {
        const answer = await target.send(request);
        this.answered.set(target.base, this.answeredBy(target.base) + 1);
        return this.reply(response, answer);
      } catch (error) {
        // Refused: nothing reached that instance, so the next one may take it. Anything else may have
        // reached the engine: the caller decides (a dropped connection, as from a dead instance).
        if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') break;
      } finally {
        this.inFlight.set(target.base, this.inFlightAt(target.base) - 1);
      }
    }
    response.socket?.destroy();
  }

  /** The targets, starting with the next one in turn. */
  private roundRobin(): EngineTarget[] {
    const count = this.targets.length;
    if (count === 0) return [];
    const first = this.next % count;
    this.next = (first + 1) % count;
    return [...this.targets.slice(first), ...this.targets.slice(0, first)];
  }
}
