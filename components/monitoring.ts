// The echo loop's Cloud Monitoring pieces as plain data: log filters, the dashboard layout and the
// alert condition. Kept free of Pulumi so tests can read them as ordinary objects.

/** Log lines the echo function writes for one delivery (see echo-function/): this selects them. */
export function deliveryLogFilter(functionServiceName: string): string {
  return [
    // 2nd gen functions are Cloud Run services and log as such.
    'resource.type="cloud_run_revision"',
    `resource.labels.service_name="${functionServiceName}"`,
    'labels.component="echo-function"',
    'jsonPayload.outcome:*',
  ].join(' AND ');
}

/** Only delivered round trips carry a meaningful latency. */
export function roundTripLogFilter(functionServiceName: string): string {
  return `${deliveryLogFilter(functionServiceName)} AND jsonPayload.outcome="delivered" AND jsonPayload.roundTripMs:*`;
}

/** Monitoring filter for a user-defined log-based metric. */
export function userMetricFilter(metricName: string, extra?: string): string {
  const base = `metric.type="logging.googleapis.com/user/${metricName}" AND resource.type="cloud_run_revision"`;
  return extra ? `${base} AND ${extra}` : base;
}

/** Monitoring filter for a Pub/Sub subscription metric (`num_undelivered_messages`, `oldest_unacked_message_age`). */
export function subscriptionMetricFilter(metric: string, subscription: string): string {
  return (
    `metric.type="pubsub.googleapis.com/subscription/${metric}" AND resource.type="pubsub_subscription" AND ` +
    `resource.label.subscription_id="${subscription}"`
  );
}

export interface DashboardInput {
  readonly title: string;
  readonly roundTripMetric: string;
  readonly deliveriesMetric: string;
  readonly deadLetterSubscription: string;
}

interface Tile {
  xPos?: number;
  yPos?: number;
  width: number;
  height: number;
  widget: Record<string, unknown>;
}

/**
 * A tile at (x, y). Zero positions are left out: Cloud Monitoring drops them from what it returns,
 * so a 0 written here would show as a change on every preview (terraform-provider-google#7242, #16173).
 */
function tile(x: number, y: number, widget: Record<string, unknown>): Tile {
  return { ...(x !== 0 ? { xPos: x } : {}), ...(y !== 0 ? { yPos: y } : {}), width: 6, height: 4, widget };
}

function series(
  filter: string,
  aligner: string,
  reducer: string,
  groupBy: string[] = [],
  legend?: string,
): Record<string, unknown> {
  return {
    timeSeriesQuery: {
      timeSeriesFilter: {
        filter,
        aggregation: {
          alignmentPeriod: '60s',
          perSeriesAligner: aligner,
          crossSeriesReducer: reducer,
          ...(groupBy.length > 0 ? { groupByFields: groupBy } : {}),
        },
      },
    },
    plotType: 'LINE',
    ...(legend ? { legendTemplate: legend } : {}),
  };
}

/**
 * The "echo loop monitor": round-trip latency percentiles, deliveries by outcome, iterations per
 * minute (delivered round trips) and the dead-letter backlog.
 */
export function echoDashboard(input: DashboardInput): Record<string, unknown> {
  const latency = userMetricFilter(input.roundTripMetric);
  const deliveries = userMetricFilter(input.deliveriesMetric);
  const delivered = userMetricFilter(input.deliveriesMetric, 'metric.label.outcome="delivered"');
  const deadLetters = subscriptionMetricFilter('num_undelivered_messages', input.deadLetterSubscription);
  const tiles: Tile[] = [
    tile(0, 0, {
      title: 'Round-trip latency (ms)',
      xyChart: {
        dataSets: [
          series(latency, 'ALIGN_DELTA', 'REDUCE_PERCENTILE_50', [], 'p50'),
          series(latency, 'ALIGN_DELTA', 'REDUCE_PERCENTILE_95', [], 'p95'),
          series(latency, 'ALIGN_DELTA', 'REDUCE_PERCENTILE_99', [], 'p99'),
        ],
        yAxis: { label: 'ms', scale: 'LINEAR' },
      },
    }),
    tile(6, 0, {
      title: 'Deliveries by outcome (per minute)',
      xyChart: {
        dataSets: [
          { ...series(deliveries, 'ALIGN_SUM', 'REDUCE_SUM', ['metric.label.outcome']), plotType: 'STACKED_BAR' },
        ],
        yAxis: { label: 'deliveries', scale: 'LINEAR' },
      },
    }),
    tile(0, 4, {
      title: 'Iterations (delivered round trips per minute)',
      xyChart: {
        dataSets: [series(delivered, 'ALIGN_SUM', 'REDUCE_SUM', [], 'iterations')],
        yAxis: { label: 'iterations', scale: 'LINEAR' },
      },
    }),
    tile(6, 4, {
      title: 'Dead-lettered messages waiting for replay',
      xyChart: {
        dataSets: [series(deadLetters, 'ALIGN_MAX', 'REDUCE_MAX', [], 'dead letters')],
        yAxis: { label: 'messages', scale: 'LINEAR' },
      },
    }),
  ];
  return { displayName: input.title, mosaicLayout: { columns: 12, tiles } };
}

/** Cloud Monitoring accepts metric-absence durations from 2 minutes to 23.5 hours. */
export const ALERT_MINUTES_MIN = 2;
export const ALERT_MINUTES_MAX = 1410;

/** A metric-threshold alert condition, as the Monitoring API takes it. */
export interface ThresholdCondition {
  readonly displayName: string;
  readonly conditionThreshold: {
    readonly filter: string;
    readonly comparison: 'COMPARISON_GT';
    readonly thresholdValue: number;
    readonly duration: string;
    readonly aggregations: { alignmentPeriod: string; perSeriesAligner: string }[];
    readonly trigger: { count: number };
  };
}

/**
 * Alert conditions that need no earlier data, unlike a metric absence (judged per time series, so
 * it never fires for a loop whose first round trip never completed): a push backlog whose oldest
 * message waits longer than the alert window, and any message in the dead-letter hold.
 */
export function stalledLoopConditions(input: {
  readonly minutes: number;
  readonly pushSubscription: string;
  readonly deadLetterSubscription: string;
}): ThresholdCondition[] {
  const max = [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_MAX' }];
  return [
    {
      displayName: `A pushed message waits more than ${input.minutes} minutes`,
      conditionThreshold: {
        filter: subscriptionMetricFilter('oldest_unacked_message_age', input.pushSubscription),
        comparison: 'COMPARISON_GT',
        thresholdValue: input.minutes * 60,
        duration: '60s',
        aggregations: max,
        trigger: { count: 1 },
      },
    },
    {
      displayName: 'Messages were dead-lettered',
      conditionThreshold: {
        filter: subscriptionMetricFilter('num_undelivered_messages', input.deadLetterSubscription),
        comparison: 'COMPARISON_GT',
        thresholdValue: 0,
        duration: '60s',
        aggregations: max,
        trigger: { count: 1 },
      },
    },
  ];
}
