/**
 * A small client for the parts of Camunda's REST API that the local stack, the tests and the
 * benchmarks use. Errors carry the engine's own message, so a failing test says why.
 */

import { waitFor } from '../devkit/wait';

export type Variables = Record<string, { value: unknown; type?: string }>;

export interface RestResponse<T = unknown> {
  status: number;
  body: T;
}

export class CamundaRestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
  }
}

export interface ProcessInstance {
  id: string;
  definitionId: string;
  businessKey: string | null;
  ended: boolean;
  suspended: boolean;
}

export interface Incident {
  id: string;
  incidentType: string;
  incidentMessage: string | null;
  processInstanceId: string;
  activityId: string;
}

export class CamundaRest {
  private readonly authorization?: string;

  constructor(
    /** The REST API's base URL, ending in /engine-rest */
    readonly restUrl: string,
    credentials?: { user: string; password: string },
  ) {
    if (credentials) {
      this.authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    }
  }

  /** Any call; resolves with the status and the parsed body, whatever the status. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 30_000,
  ): Promise<RestResponse<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.authorization) headers.Authorization = this.authorization;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${this.restUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  }

  /** A call that must succeed (2xx); throws with the engine's message otherwise. */
  async expectOk<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, body);
    if (response.status < 200 || response.status > 299) {
      throw new CamundaRestError(response.status, response.body, `${method} ${path}`);
    }
    return response.body;
  }

  /** Deploys BPMN files (name -> XML) under one deployment; unchanged files create no new versions. */
  async deploy(
    deploymentName: string,
    files: Record<string, string>,
  ): Promise<{ id: string; deployedProcessDefinitions: Record<string, unknown> | null }> {
    const form = new FormData();
    form.set('deployment-name', deploymentName);
    form.set('enable-duplicate-filtering', 'true');
    form.set('deploy-changed-only', 'true');
    for (const [name, xml] of Object.entries(files)) {
      form.set(name, new Blob([xml], { type: 'application/xml' }), name);
    }
    return this.expectOk('POST', '/deployment/create', form);
  }

  startProcess(key: string, options: { businessKey?: string; variables?: Variables } = {}): Promise<ProcessInstance> {
    return this.expectOk('POST', `/process-definition/key/${encodeURIComponent(key)}/start`, options);
  }

  processInstances(query: Record<string, string | boolean> = {}): Promise<ProcessInstance[]> {
    return this.expectOk('GET', `/process-instance${queryString(query)}`);
  }

  async count(resource: string, query: Record<string, string | boolean> = {}): Promise<number> {
    const { count } = await this.expectOk<{ count: number }>('GET', `/${resource}/count${queryString(query)}`);
    return count;
  }

  incidents(query: Record<string, string | boolean> = {}): Promise<Incident[]> {
    return this.expectOk('GET', `/incident${queryString(query)}`);
  }

  /** The instance's variables as plain values. */
  async variables(processInstanceId: string): Promise<Record<string, unknown>> {
    const typed = await this.expectOk<Variables>(
      'GET',
      `/process-instance/${processInstanceId}/variables?deserializeValues=false`,
    );
    return Object.fromEntries(Object.entries(typed).map(([k, v]) => [k, v.value]));
  }

  /** A historic process instance (null when history does not know it). */
  async historicInstance(id: string): Promise<{ id: string; state: string; endTime: string | null } | null> {
    const response = await this.request<{ id: string; state: string; endTime: string | null }>(
      'GET',
      `/history/process-instance/${id}`,
    );
    return response.status === 200 ? response.body : null;
  }

  /** POST /message; resolves with the raw response so callers can tell 204 from 400. */
  correlate(message: Record<string, unknown>): Promise<RestResponse> {
    return this.request('POST', '/message', message);
  }
}

function queryString(query: Record<string, string | boolean>): string {
  const entries = Object.entries(query);
  return entries.length
    ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
    : '';
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  // Boxed, so that a result such as 0 or '' counts as found: only undefined and false mean "not yet".
  const found = await waitFor(
    async () => {
      const result = await check();
      return result === undefined || result === false ? undefined : { result };
    },
    { what, timeoutMs, intervalMs: everyMs },
  );
  return found.result;
}
