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
 * The forwarding itself is the dev kit's (devkit/proxy.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { HttpProxy, readBody, type UpstreamAnswer } from '../devkit/proxy';

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
  /**
   * A request passed on without a fault that the far side failed (a non-2xx answer, or none): the
   * answer it resolves to goes back instead (the push proxy's dead-letter stand-in, dead-letter.ts);
   * undefined keeps the failure.
   */
  readonly onFailure?: (request: ProxiedRequest) => Promise<UpstreamAnswer | undefined>;
}

export class FaultProxy extends HttpProxy {
  private readonly armed: ArmedFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly faults: FaultProxyOptions) {
    super(faults);
  }

  /** Faults armed that no request has met yet. */
  get pending(): number {
    return this.armed.length;
  }

  /** The next matching request meets this fault (faults queue up in order). */
  arm(fault: ArmedFault): void {
    this.armed.push(fault);
  }

  /** Forgets faults no request met yet; returns how many. */
  disarm(): number {
    return this.armed.splice(0).length;
  }

  override async close(): Promise<void> {
    this.disarm();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await super.close();
  }

  protected override async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request: ProxiedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      body: await readBody(incoming),
    };
    const fault = (this.faults.matches ?? (() => true))(request) ? this.armed.shift() : undefined;
    fault?.onInjected?.(request);
    try {
      await this.play(fault?.action, request, incoming, response);
    } catch {
      // The far side is down or slow (a restart).
      const instead = fault ? undefined : await this.faults.onFailure?.(request);
      if (instead) return this.answer(response, instead);
      const status = this.faults.upstreamFailureStatus;
      if (status === undefined || response.headersSent) {
        response.socket?.destroy();
      } else {
        this.answer(response, { status, headers: {}, body: Buffer.from(`{"error":"upstream unavailable"}`) });
      }
    }
  }

  private async play(
    action: ProxyAction | undefined,
    request: ProxiedRequest,
    incoming: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    switch (action?.kind) {
      case undefined: {
        const answer = await this.forwardWhole(request, incoming);
        const failed = answer.status < 200 || answer.status >= 300;
        return this.answer(response, (failed && (await this.faults.onFailure?.(request))) || answer);
      }
      case 'refuse':
        return this.answer(response, injected(action.status));
      case 'hang':
        return this.later(action.holdMs, () => response.socket?.destroy());
      case 'replace-answer':
        await this.forwardWhole(request, incoming, action.kind);
        return this.answer(response, injected(action.status));
      case 'drop-answer':
        await this.forwardWhole(request, incoming, action.kind);
        response.socket?.destroy();
        return;
      case 'hold-answer': {
        const answer = await this.forwardWhole(request, incoming, action.kind);
        await action.release({ request, status: answer.status, body: answer.body, fault: action.kind });
        return this.answer(response, answer);
      }
      case 'duplicate': {
        const answers = await Promise.all([
          this.forwardWhole(request, incoming, action.kind),
          this.forwardWhole(request, incoming, action.kind),
        ]);
        const ok = answers.find((answer) => answer.status >= 200 && answer.status < 300);
        return this.answer(response, ok ?? answers[0]);
      }
    }
  }

  /** Forwards the request whole (trying again while the far side refuses, up to `holdWhileDownMs`) and reports the exchange. */
  private async forwardWhole(
    request: ProxiedRequest,
    incoming: IncomingMessage,
    fault?: ProxyAction['kind'],
  ): Promise<UpstreamAnswer> {
    const downUntil = Date.now() + (this.faults.holdWhileDownMs ?? 0);
    let answer: UpstreamAnswer;
    for (;;) {
      try {
        answer = await this.forward({ ...request, headers: incoming.headers });
        break;
      } catch (error) {
        // Refused: nothing reached the far side, so trying again cannot duplicate anything.
        const refused = (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
        if (!refused || Date.now() >= downUntil) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    this.faults.onExchange?.({ request, status: answer.status, body: answer.body, ...(fault ? { fault } : {}) });
    return answer;
  }

  private answer(response: ServerResponse, answer: UpstreamAnswer): void {
    this.reply(response, {
      ...answer,
      headers: { ...answer.headers, 'content-type': answer.headers['content-type'] ?? 'application/json' },
    });
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}

function injected(status: number): UpstreamAnswer {
  return { status, headers: {}, body: Buffer.from(`{"error":"injected ${status}"}`) };
}
