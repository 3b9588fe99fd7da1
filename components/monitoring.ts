// Cloud Monitoring pieces as plain data: metric filters and the alert condition (a worker's dashboard
// is in push/dashboard.ts). Kept free of Pulumi so tests can read them as ordinary objects.

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
