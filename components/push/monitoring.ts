// Step 6 of PushWorker: the Cloud Monitoring resources: log-based metrics of the worker's delivery
// log lines (filtered on its task type), a dashboard, and an alert when no task completes. Their
// filters and layout are plain data in dashboard.ts.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { stalledLoopConditions, userMetricFilter } from '../monitoring';
import { COMPLETED, completedLogFilter, OUTCOMES, workerDashboard, workerLogFilter } from './dashboard';
import type { PushFunction } from './function';
import type { PushProject } from './project';
import type { PushPath } from './push';
import type { ResolvedPushWorkerArgs } from './resolve-args';
import type { PushTopics } from './topics';
import { MetricDescriptorWait } from './waits';

export interface PushMonitoring {
  readonly dashboard: gcp.monitoring.Dashboard;
  readonly alert: gcp.monitoring.AlertPolicy;
  /** Exists once Cloud Monitoring knows the deliveries metric the alert names. */
  readonly metricKnown: MetricDescriptorWait;
}

type Metrics = { roundTrip: gcp.logging.Metric; deliveries: gcp.logging.Metric };

function declareMetrics(args: ResolvedPushWorkerArgs, fn: PushFunction, { afterApis }: PushProject): Metrics {
  const { name, names, project, title, taskType } = args;
  const roundTrip = new gcp.logging.Metric(
    `${name}-round-trip-metric`,
    {
      project,
      name: names.roundTripMetric,
      description: `${title}: engine → Pub/Sub → function → engine round trip of completed tasks`,
      filter: fn.serviceName.apply((service) => completedLogFilter(service, taskType)),
      metricDescriptor: {
        metricKind: 'DELTA',
        valueType: 'DISTRIBUTION',
        unit: 'ms',
        displayName: `${title} round trip`,
      },
      valueExtractor: 'EXTRACT(jsonPayload.roundTripMs)',
      // 10 ms up to about 2 hours in 1.5× steps.
      bucketOptions: { exponentialBuckets: { numFiniteBuckets: 33, growthFactor: 1.5, scale: 10 } },
    },
    afterApis,
  );
  const deliveries = new gcp.logging.Metric(
    `${name}-deliveries-metric`,
    {
      project,
      name: names.deliveriesMetric,
      description: `${title}: deliveries of task type ${taskType} by outcome (${COMPLETED} = one task done)`,
      filter: fn.serviceName.apply((service) => workerLogFilter(service, taskType)),
      metricDescriptor: {
        metricKind: 'DELTA',
        valueType: 'INT64',
        unit: '1',
        displayName: `${title} deliveries`,
        labels: [{ key: 'outcome', valueType: 'STRING', description: OUTCOMES.join(', ') }],
      },
      labelExtractors: { outcome: 'EXTRACT(jsonPayload.outcome)' },
    },
    afterApis,
  );
  return { roundTrip, deliveries };
}

function declareDashboard(args: ResolvedPushWorkerArgs, metrics: Metrics, topics: PushTopics, project: PushProject) {
  return new gcp.monitoring.Dashboard(
    `${args.name}-dashboard`,
    {
      project: args.project,
      dashboardJson: pulumi
        .all([metrics.roundTrip.name, metrics.deliveries.name, topics.deadLetterHold.name])
        .apply(([roundTrip, deliveries, deadLetters]) =>
          JSON.stringify(
            workerDashboard({
              title: `Monitor: ${args.title} (${args.base})`,
              roundTripMetric: roundTrip,
              deliveriesMetric: deliveries,
              deadLetterSubscription: deadLetters,
            }),
          ),
        ),
    },
    project.afterApis,
  );
}

function declareStalledAlert(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  metrics: Metrics,
  steps: { project: PushProject; topics: PushTopics; push: PushPath },
) {
  const { title, base, alertAfterMinutes: minutes } = args;
  // A log-based metric takes up to 10 minutes to reach Cloud Monitoring; until then it refuses
  // an alert that names it (404 "Cannot find metric(s)").
  const metricKnown = new MetricDescriptorWait(
    `${args.name}-deliveries-metric-known`,
    { project: args.project, metricType: pulumi.interpolate`logging.googleapis.com/user/${metrics.deliveries.name}` },
    { parent: component, dependsOn: [metrics.deliveries] },
  );
  const conditions = pulumi
    .all([metrics.deliveries.name, steps.push.subscription.name, steps.topics.deadLetterHold.name])
    .apply(([deliveries, pushSubscription, deadLetterSubscription]) => [
      {
        displayName: `No completed task for ${minutes} minutes`,
        conditionAbsent: {
          filter: userMetricFilter(deliveries, `metric.label.outcome="${COMPLETED}"`),
          duration: `${minutes * 60}s`,
          aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_SUM', crossSeriesReducer: 'REDUCE_SUM' }],
          trigger: { count: 1 },
        },
      },
      // These fire for a worker that never completed a task, which the absence above cannot.
      ...stalledLoopConditions({ minutes, pushSubscription, deadLetterSubscription }),
    ]);
  const alert = new gcp.monitoring.AlertPolicy(
    `${args.name}-stalled-alert`,
    {
      project: args.project,
      displayName: `${title} (${base}) stalled: no task completed for ${minutes} min`,
      combiner: 'OR',
      severity: 'ERROR',
      conditions,
      documentation: {
        mimeType: 'text/markdown',
        content: pulumi.interpolate`The ${title} (task type **${args.taskType}**) has not completed a task for ${minutes} minutes.

Check, in order: the engine's incidents and failed jobs (\`GET /engine-rest/incident\`, \`GET /engine-rest/job?withException=true\`); the push subscription \`${steps.push.subscription.name}\` backlog; the dead-letter subscription \`${steps.topics.deadLetterHold.name}\` (replay with a seek or by republishing); the function's logs (outcomes \`retry\`, \`failed\` and \`invalid\`).`,
      },
      notificationChannels: args.notificationChannels,
      alertStrategy: { autoClose: '1800s' },
      userLabels: args.labels,
    },
    { parent: component, dependsOn: [...steps.project.apis, metrics.deliveries, metricKnown] },
  );
  return { alert, metricKnown };
}

export function declarePushMonitoring(
  component: pulumi.ComponentResource,
  args: ResolvedPushWorkerArgs,
  steps: { project: PushProject; topics: PushTopics; fn: PushFunction; push: PushPath },
): PushMonitoring {
  const metrics = declareMetrics(args, steps.fn, steps.project);
  const dashboard = declareDashboard(args, metrics, steps.topics, steps.project);
  const { alert, metricKnown } = declareStalledAlert(component, args, metrics, steps);
  return { dashboard, alert, metricKnown };
}
