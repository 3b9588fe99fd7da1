// Waiting until Cloud Monitoring knows a log-based metric, as a Pulumi dynamic provider.
//
// Cloud Monitoring answers an alert policy that names a log-based metric created seconds earlier
// with 404 "Cannot find metric(s) ... could take up to 10 minutes to become available"
// (hashicorp/terraform-provider-google#11102). The waiter polls the metric's descriptor until it
// exists, so the alert that depends on it is created only then.
//
// Pulumi serializes a dynamic provider's functions and runs them in another process: as in
// loop-starter.ts, modules are required inside the functions, no exported constants are referenced,
// and everything with side effects (HTTP, the access token, the clock) is injectable for tests.

import type * as pulumi from '@pulumi/pulumi';

/** What the resource waits for. */
export interface MetricWaiterInputs {
  /** Project of the metric. */
  readonly project: string;
  /** The metric type, such as `logging.googleapis.com/user/<metric name>`. */
  readonly metricType: string;
}

/** The part of a fetch Response the waiter reads. */
export interface MetricWaiterResponse {
  readonly status: number;
  text(): Promise<string>;
}

/** Everything with side effects, injectable for tests. */
export interface MetricWaiterDeps {
  readonly fetch: (
    url: string,
    init: { method: string; headers: Record<string, string>; signal?: AbortSignal },
  ) => Promise<MetricWaiterResponse>;
  /** An OAuth access token for the Monitoring API. */
  readonly accessToken: () => Promise<string>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** The Monitoring API's base URL (Google's; tests point it at a fake). */
  readonly baseUrl: string;
  /** How long to wait in total before giving up. */
  readonly deadlineMs: number;
  /** Pause between polls. */
  readonly intervalMs: number;
  readonly log?: (message: string) => void;
}

/** The descriptor's URL: the metric type is one path segment, its slashes encoded. */
export function metricDescriptorUrl(baseUrl: string, project: string, metricType: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/v3/projects/${encodeURIComponent(project)}/metricDescriptors/${encodeURIComponent(metricType)}`;
}

/**
 * Production dependencies: global fetch, an access token from Application Default Credentials, a
 * poll every 10 s for at most 15 minutes (Google names up to 10 for a new metric).
 */
export function defaultMetricWaiterDeps(): MetricWaiterDeps {
  return {
    fetch: (url, init) => fetch(url, init),
    accessToken: async () => {
      // Required here, not imported: Pulumi serializes this function into the dynamic provider.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
      const { GoogleAuth } = require('google-auth-library') as typeof import('google-auth-library');
      const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      const token = await auth.getAccessToken();
      if (typeof token !== 'string' || token.length === 0) throw new Error('the credentials returned no access token');
      return token;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    baseUrl: 'https://monitoring.googleapis.com',
    deadlineMs: 15 * 60_000,
    intervalMs: 10_000,
  };
}

/** One look at the descriptor: found, not yet, or a refusal no wait will change. */
async function lookUp(
  url: string,
  deps: MetricWaiterDeps,
): Promise<{ state: 'found' | 'missing' | 'retry'; detail: string }> {
  let token: string;
  try {
    token = await deps.accessToken();
  } catch (err) {
    throw new Error(
      `cannot get an access token for Cloud Monitoring (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
  try {
    const response = await deps.fetch(url, {
      method: 'GET',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
    const text = (await response.text()).slice(0, 300);
    if (response.status === 200) return { state: 'found', detail: '' };
    if (response.status === 404) return { state: 'missing', detail: 'HTTP 404' };
    if (response.status === 401 || response.status === 403) {
      throw new Error(
        `Cloud Monitoring refused to read ${url} (HTTP ${response.status}: ${text}). The deploying identity ` +
          'needs monitoring.metricDescriptors.get (roles/monitoring.viewer or roles/monitoring.editor) and the ' +
          'Monitoring API enabled.',
      );
    }
    return { state: 'retry', detail: `HTTP ${response.status} ${text}` };
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('Cloud Monitoring refused')) throw err;
    return { state: 'retry', detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Polls the metric's descriptor until Cloud Monitoring knows it. Gives up at once on 401/403 (with
 * the reason) and with a clear error at the deadline; 404, 429, 5xx and network errors are waited out.
 */
export async function waitForMetricDescriptor(
  inputs: MetricWaiterInputs,
  deps: MetricWaiterDeps,
): Promise<{ polls: number }> {
  const url = metricDescriptorUrl(deps.baseUrl, inputs.project, inputs.metricType);
  const deadline = deps.now() + deps.deadlineMs;
  for (let polls = 1; ; polls++) {
    const { state, detail } = await lookUp(url, deps);
    if (state === 'found') return { polls };
    if (deps.now() + deps.intervalMs > deadline) {
      const minutes = Math.round(deps.deadlineMs / 60_000);
      throw new Error(
        `the metric ${inputs.metricType} of project ${inputs.project} did not appear in Cloud Monitoring within ` +
          `${minutes} minutes (last answer: ${detail}). Google documents up to 10 minutes for a new log-based ` +
          `metric: run 'pulumi up' again; if it keeps failing, check that the log-based metric exists ` +
          `('gcloud logging metrics list --project ${inputs.project}').`,
      );
    }
    deps.log?.(`waiting for ${inputs.metricType}: ${detail}`);
    await deps.sleep(deps.intervalMs);
  }
}

/** A new project or metric is a new wait; nothing else changes. */
export function diffMetricWaiter(
  olds: Partial<MetricWaiterInputs>,
  news: Partial<MetricWaiterInputs>,
): pulumi.dynamic.DiffResult {
  const replaces = (['project', 'metricType'] as const).filter((key) => (olds[key] ?? '') !== (news[key] ?? ''));
  return { changes: replaces.length > 0, replaces: [...replaces], deleteBeforeReplace: false };
}

/** The dynamic provider; `makeDeps` defaults to {@link defaultMetricWaiterDeps}, tests pass fakes. */
export function metricWaiterProvider(
  makeDeps: () => MetricWaiterDeps = defaultMetricWaiterDeps,
): pulumi.dynamic.ResourceProvider {
  return {
    async diff(_id: string, olds: MetricWaiterInputs, news: MetricWaiterInputs) {
      return diffMetricWaiter(olds, news);
    },
    async create(inputs: MetricWaiterInputs) {
      const clean = { project: inputs.project, metricType: inputs.metricType };
      await waitForMetricDescriptor(clean, makeDeps());
      return { id: `${clean.project}/${clean.metricType}`, outs: clean };
    },
    // Nothing to delete: the metric belongs to its own resource.
    async delete() {},
  };
}
