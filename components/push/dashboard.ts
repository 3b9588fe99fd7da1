// A push worker's Cloud Monitoring pieces as plain data: the filter of its delivery log lines (one
// per delivery, contract §4: `taskType`, `outcome`, `roundTripMs`), and its dashboard. Free of
// Pulumi so tests can read them as ordinary objects.

import { subscriptionMetricFilter, userMetricFilter } from '../monitoring';

/** The outcome of a delivery that completed its task (the worker library's log field `outcome`). */
export const COMPLETED = 'completed';

/** The outcomes a delivery line may carry (contract §4). */
export const OUTCOMES = ['completed', 'error', 'failed', 'duplicate', 'retry', 'invalid', 'unknown-task'] as const;

/** Log lines the worker writes for one delivery of its task type. */
export function workerLogFilter(functionServiceName: string, taskType: string): string {
  return [
    // 2nd gen functions are Cloud Run services and log as such.
    'resource.type="cloud_run_revision"',
    `resource.labels.service_name="${functionServiceName}"`,
    `jsonPayload.taskType="${taskType}"`,
    'jsonPayload.outcome:*',
  ].join(' AND ');
}

/** Only completed tasks carry a meaningful round trip. */
export function completedLogFilter(functionServiceName: string, taskType: string): string {
  return `${workerLogFilter(functionServiceName, taskType)} AND jsonPayload.outcome="${COMPLETED}" AND jsonPayload.roundTripMs:*`;
}

export interface WorkerDashboardInput {
  readonly title: string;
  readonly roundTripMetric: string;
  readonly deliveriesMetric: string;
  readonly deadLetterSubscription: string;
}

/**
 * A tile at (x, y). Zero positions are left out: Cloud Monitoring drops them from what it returns,
 * so a 0 written here would show as a change on every preview (terraform-provider-google#7242, #16173).
 */
function tile(x: number, y: number, title: string, dataSets: unknown[], yLabel: string) {
  return {
    ...(x !== 0 ? { xPos: x } : {}),
    ...(y !== 0 ? { yPos: y } : {}),
    width: 6,
    height: 4,
    widget: { title, xyChart: { dataSets, yAxis: { label: yLabel, scale: 'LINEAR' } } },
  };
}

function line(filter: string, aligner: string, reducer: string, options: { groupBy?: string; legend?: string } = {}) {
  return {
    timeSeriesQuery: {
      timeSeriesFilter: {
        filter,
        aggregation: {
          alignmentPeriod: '60s',
          perSeriesAligner: aligner,
          crossSeriesReducer: reducer,
          ...(options.groupBy ? { groupByFields: [options.groupBy] } : {}),
        },
      },
    },
    plotType: 'LINE',
    ...(options.legend ? { legendTemplate: options.legend } : {}),
  };
}

/** Round-trip percentiles, deliveries by outcome, completed tasks per minute, and the dead-letter backlog. */
export function workerDashboard(input: WorkerDashboardInput): Record<string, unknown> {
  const latency = userMetricFilter(input.roundTripMetric);
  const deliveries = userMetricFilter(input.deliveriesMetric);
  const completed = userMetricFilter(input.deliveriesMetric, `metric.label.outcome="${COMPLETED}"`);
  const deadLetters = subscriptionMetricFilter('num_undelivered_messages', input.deadLetterSubscription);
  const percentiles = [50, 95, 99].map((p) =>
    line(latency, 'ALIGN_DELTA', `REDUCE_PERCENTILE_${p}`, { legend: `p${p}` }),
  );
  const byOutcome = { ...line(deliveries, 'ALIGN_SUM', 'REDUCE_SUM', { groupBy: 'metric.label.outcome' }) };
  const tiles = [
    tile(0, 0, 'Round-trip latency (ms)', percentiles, 'ms'),
    tile(6, 0, 'Deliveries by outcome (per minute)', [{ ...byOutcome, plotType: 'STACKED_BAR' }], 'deliveries'),
    tile(
      0,
      4,
      'Completed tasks (per minute)',
      [line(completed, 'ALIGN_SUM', 'REDUCE_SUM', { legend: 'completed' })],
      'tasks',
    ),
    tile(
      6,
      4,
      'Dead-lettered messages waiting for replay',
      [line(deadLetters, 'ALIGN_MAX', 'REDUCE_MAX', { legend: 'dead letters' })],
      'messages',
    ),
  ];
  return { displayName: input.title, mosaicLayout: { columns: 12, tiles } };
}
