// A stand-in for the Camunda REST endpoints the loop starter uses: list process instances, start by
// definition key, delete. Reachable in-process (a fetch function) or over real HTTP.

import { HttpServer } from '../../../devkit/http-server';
import type { FetchLike } from '../../../components/loop-starter';

export interface FakeInstance {
  readonly id: string;
  readonly definitionKey: string;
  readonly businessKey: string;
  readonly variables: Record<string, { value: unknown; type: string }>;
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export class FakeEngine {
  readonly instances = new Map<string, FakeInstance>();
  readonly requests: SeenRequest[] = [];
  /** Statuses to answer the next requests with, before normal handling (fault injection). */
  readonly faults: number[] = [];
  readonly definitions = new Set(['EchoLoop']);
  /** When set, requests must carry this credential (checked as Cloud Run and Camunda would). */
  requiredBearer: string | undefined;
  requiredBasic: string | undefined;
  private sequence = 0;

  /** Instances still running with this business key. */
  running(businessKey: string): FakeInstance[] {
    return [...this.instances.values()].filter((i) => i.businessKey === businessKey);
  }

  /** Starts an instance behind the starter's back (someone else started the loop). */
  startDirectly(definitionKey: string, businessKey: string): FakeInstance {
    const instance: FakeInstance = { id: `pi-${++this.sequence}`, definitionKey, businessKey, variables: {} };
    this.instances.set(instance.id, instance);
    return instance;
  }

  handle(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body?: string,
  ): { status: number; body: string } {
    this.requests.push({ method, path: pathAndQuery, headers, ...(body !== undefined ? { body } : {}) });
    const fault = this.faults.shift();
    if (fault !== undefined) return { status: fault, body: `{"message":"injected ${fault}"}` };
    const bearerHeader = this.requiredBasic ? headers['x-serverless-authorization'] : headers.authorization;
    if (this.requiredBearer && bearerHeader !== `Bearer ${this.requiredBearer}`)
      return { status: 403, body: 'Forbidden' };
    if (this.requiredBasic && headers.authorization !== `Basic ${Buffer.from(this.requiredBasic).toString('base64')}`) {
      return { status: 401, body: '{"type":"AuthenticationException"}' };
    }
    const url = new URL(pathAndQuery, 'http://engine');
    if (method === 'GET' && url.pathname === '/engine-rest/process-instance') {
      const key = url.searchParams.get('processDefinitionKey');
      const businessKey = url.searchParams.get('businessKey');
      const found = [...this.instances.values()].filter(
        (i) => (key === null || i.definitionKey === key) && (businessKey === null || i.businessKey === businessKey),
      );
      return {
        status: 200,
        body: JSON.stringify(
          found.map((i) => ({ id: i.id, businessKey: i.businessKey, ended: false, suspended: false })),
        ),
      };
    }
    const start = /^\/engine-rest\/process-definition\/key\/([^/]+)\/start$/.exec(url.pathname);
    if (method === 'POST' && start) {
      const key = decodeURIComponent(start[1] ?? '');
      if (!this.definitions.has(key))
        return {
          status: 404,
          body: `{"type":"RestException","message":"No matching process definition with key: ${key}"}`,
        };
      const request = JSON.parse(body ?? '{}') as { businessKey?: string; variables?: FakeInstance['variables'] };
      const instance: FakeInstance = {
        id: `pi-${++this.sequence}`,
        definitionKey: key,
        businessKey: request.businessKey ?? '',
        variables: request.variables ?? {},
      };
      this.instances.set(instance.id, instance);
      return {
        status: 200,
        body: JSON.stringify({ id: instance.id, businessKey: instance.businessKey, ended: false, links: [] }),
      };
    }
    const remove = /^\/engine-rest\/process-instance\/([^/]+)$/.exec(url.pathname);
    if (method === 'DELETE' && remove) {
      const id = decodeURIComponent(remove[1] ?? '');
      if (!this.instances.delete(id))
        return {
          status: 404,
          body: `{"type":"InvalidRequestException","message":"Process instance with id ${id} does not exist"}`,
        };
      return { status: 204, body: '' };
    }
    return { status: 404, body: '{"type":"NotFound"}' };
  }

  /** An in-process fetch for the starter's `deps.fetch`. */
  readonly fetch: FetchLike = async (url, init) => {
    const parsed = new URL(url);
    const headers = Object.fromEntries(Object.entries(init.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const answer = this.handle(init.method, parsed.pathname + parsed.search, headers, init.body);
    return { status: answer.status, text: async () => answer.body };
  };

  /** Serves the same endpoints over HTTP on 127.0.0.1 (the dev kit's server). */
  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = new HttpServer({ record: false }).otherwise((request) => {
      const answer = this.handle(request.method, request.path, request.headers, request.body || undefined);
      return {
        status: answer.status,
        headers: { 'Content-Type': 'application/json' },
        ...(answer.status === 204 ? {} : { body: answer.body }),
      };
    });
    await server.start();
    return { url: server.url, close: () => server.close() };
  }
}
