// Step 6 of EchoLoop: the Cloud Monitoring resources: log-based metrics of the function's delivery
// log lines, the "echo loop monitor" dashboard, and an alert when no round trip succeeds. Their
// filters and layout are plain data in ../monitoring.ts.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import {
  deliveryLogFilter,
  echoDashboard,
  roundTripLogFilter,
  stalledLoopConditions,
  userMetricFilter,
} from '../monitoring';
import type { EchoFunction } from './function';
import type { EchoProject } from './project';
import type { EchoPush } from './push';
import type { ResolvedEchoLoopArgs } from './resolve-args';
import type { EchoTopics } from './topics';
import { MetricDescriptorWait } from './waits';

export interface EchoMonitoring {
  readonly dashboard: gcp.monitoring.Dashboard;
  readonly alert: gcp.monitoring.AlertPolicy;
  /** Exists once Cloud Monitoring knows the deliveries metric the alert names. */
  readonly metricKnown: MetricDescriptorWait;
}

type Metrics = { roundTrip: gcp.logging.Metric; deliveries: gcp.logging.Metric };

function declareMetrics(args: ResolvedEchoLoopArgs, fn: EchoFunction, { afterApis }: EchoProject): Metrics {
  const { name, prefix, project, loopName } = args;
  const roundTrip = new gcp.logging.Metric(
    `${name}-round-trip-metric`,
    {
      project,
      name: `${prefix}-round-trip-ms`,
      description: `Echo loop ${loopName}: engine → Pub/Sub → function → engine round trip of delivered replies`,
      filter: fn.serviceName.apply(roundTripLogFilter),
      metricDescriptor: {
        metricKind: 'DELTA',
        valueType: 'DISTRIBUTION',
        unit: 'ms',
        displayName: `Echo ${loopName} round trip`,
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
      name: `${prefix}-deliveries`,
      description: `Echo loop ${loopName}: deliveries to the echo function by outcome (delivered = one iteration)`,
      filter: fn.serviceName.apply(deliveryLogFilter),
      metricDescriptor: {
        metricKind: 'DELTA',
        valueType: 'INT64',
        unit: '1',
        displayName: `Echo ${loopName} deliveries`,
        labels: [{ key: 'outcome', valueType: 'STRING', description: 'delivered, duplicate, retry or invalid' }],
      },
      labelExtractors: { outcome: 'EXTRACT(jsonPayload.outcome)' },
    },
    afterApis,
  );
  return { roundTrip, deliveries };
}

function declareDashboard(args: ResolvedEchoLoopArgs, metrics: Metrics, topics: EchoTopics, project: EchoProject) {
  return new gcp.monitoring.Dashboard(
    `${args.name}-dashboard`,
    {
      project: args.project,
      dashboardJson: pulumi
        .all([metrics.roundTrip.name, metrics.deliveries.name, topics.deadLetterHold.name])
        .apply(([roundTrip, deliveries, deadLetters]) =>
          JSON.stringify(
            echoDashboard({
              title: `Echo loop monitor: ${args.loopName} (${args.prefix})`,
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
  args: ResolvedEchoLoopArgs,
  metrics: Metrics,
  steps: { project: EchoProject; topics: EchoTopics; push: EchoPush },
) {
  const { loopName, prefix, alertAfterMinutes: minutes } = args;
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
        displayName: `No delivered round trip for ${minutes} minutes`,
        conditionAbsent: {
          filter: userMetricFilter(deliveries, 'metric.label.outcome="delivered"'),
          duration: `${minutes * 60}s`,
          aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_SUM', crossSeriesReducer: 'REDUCE_SUM' }],
          trigger: { count: 1 },
        },
      },
      // These fire for a loop that never completed a round trip, which the absence above cannot.
      ...stalledLoopConditions({ minutes, pushSubscription, deadLetterSubscription }),
    ]);
  const alert = new gcp.monitoring.AlertPolicy(
    `${args.name}-stalled-alert`,
    {
      project: args.project,
      displayName: `Echo loop ${loopName} (${prefix}) stalled: no round trip for ${minutes} min`,
      combiner: 'OR',
      severity: 'ERROR',
      conditions,
      documentation: {
        mimeType: 'text/markdown',
        content: pulumi.interpolate`The echo loop **${loopName}** has not completed a round trip for ${minutes} minutes.

Check, in order: the engine's incidents and failed jobs (\`GET /engine-rest/incident\`, \`GET /engine-rest/job?withException=true\`); the push subscription \`${steps.push.subscription.name}\` backlog; the dead-letter subscription \`${steps.topics.deadLetterHold.name}\` (replay with a seek or by republishing); the echo function's logs (outcomes \`retry\` and \`invalid\`).`,
      },
      notificationChannels: args.notificationChannels,
      alertStrategy: { autoClose: '1800s' },
      userLabels: args.labels,
    },
    { parent: component, dependsOn: [...steps.project.apis, metrics.deliveries, metricKnown] },
  );
  return { alert, metricKnown };
}

export function declareEchoMonitoring(
  component: pulumi.ComponentResource,
  args: ResolvedEchoLoopArgs,
  steps: { project: EchoProject; topics: EchoTopics; fn: EchoFunction; push: EchoPush },
): EchoMonitoring {
  const metrics = declareMetrics(args, steps.fn, steps.project);
  const dashboard = declareDashboard(args, metrics, steps.topics, steps.project);
  const { alert, metricKnown } = declareStalledAlert(component, args, metrics, steps);
  return { dashboard, alert, metricKnown };
}
