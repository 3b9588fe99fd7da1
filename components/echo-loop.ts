// EchoLoop: the self-triggering loop that proves the engine ↔ Pub/Sub ↔ function chain holds.
//
// Data path: the engine publishes to the echo topic → a push subscription of our own delivers to
// the echo function (a 2nd gen function, i.e. a Cloud Run service) with an OIDC token → the function
// correlates the reply through the engine's REST API with an ID token of its own service account.
//
// Why our own push subscription instead of the function's Eventarc trigger: the trigger's
// subscription cannot dead-letter. Ours retries with backoff (10 s to 600 s) and, after
// `maxDeliveryAttempts`, moves the message to a dead-letter topic whose subscription keeps it for
// replay. The push endpoint ends in /projects/<p>/topics/<t> because the Functions Framework takes
// the CloudEvent source from that path when it converts a raw push body.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import type { EngineEndpoint } from './camunda-serverless';
import { loopStarterProvider, type LoopStarterInputs } from './loop-starter';
import {
  ALERT_MINUTES_MAX,
  ALERT_MINUTES_MIN,
  deliveryLogFilter,
  echoDashboard,
  roundTripLogFilter,
  userMetricFilter,
} from './monitoring';
import { defaultEchoFunctionSource } from './paths';
import { functionSource } from './source-archive';
import { ConfigurationError, NAME_PREFIX, parseOrThrow, SAFE_NAME, sanitizePrefix } from './validation';

export interface EchoLoopArgs {
  /** The engine the loop runs in; a {@link CamundaServerless} can be passed as is. */
  readonly engine: EngineEndpoint;
  /** GCP project of the topics and the function. Default: the engine's project. */
  readonly project?: pulumi.Input<string>;
  /** Region of the function and its source bucket. Default: the engine's region. */
  readonly region?: pulumi.Input<string>;
  /**
   * Prefix of physical names (topic, function, accounts, metrics), 1 to 20 lowercase letters, digits
   * and hyphens. Default: derived from the component's name.
   */
  readonly namePrefix?: string;
  /** The loop's name: the EchoLoop instance's business key. Default `echo`. */
  readonly loopName?: string;
  /** Key of the loop's process definition. Default `EchoLoop`. */
  readonly processDefinitionKey?: string;
  /** Message names the function forwards to the engine. Default `['echo']`. */
  readonly knownMessageNames?: string[];
  /** Deliveries before a message is dead-lettered (5 to 100). Default 10. */
  readonly maxDeliveryAttempts?: pulumi.Input<number>;
  /** Function timeout in seconds (1 to 590; the ack deadline is 10 s more, at most 600). Default 60. */
  readonly functionTimeoutSeconds?: pulumi.Input<number>;
  /** Function memory, such as `256M` or `512Mi`. Default `256M`. */
  readonly functionMemory?: pulumi.Input<string>;
  /** Most function instances. Default 10. */
  readonly functionMaxInstances?: pulumi.Input<number>;
  /** Fewest function instances. Default 0. */
  readonly functionMinInstances?: pulumi.Input<number>;
  /** Node.js runtime of the function. Default `nodejs22`. */
  readonly functionRuntime?: pulumi.Input<string>;
  /** Timeout of the function's call to the engine in ms; below the function timeout. Default 10000. */
  readonly engineTimeoutMs?: pulumi.Input<number>;
  /** Directory with the function's source (package.json, src/). Default: this repository's echo-function/. */
  readonly functionSourceDir?: string;
  /**
   * Service account that builds the function (`projects/<p>/serviceAccounts/<email>`). Default: a
   * dedicated one with roles/cloudbuild.builds.builder, because new projects often leave the default
   * build account without permissions.
   */
  readonly buildServiceAccount?: pulumi.Input<string>;
  /** Start the loop through the engine's REST API (and cancel it on destroy). Default true. */
  readonly startLoop?: boolean;
  /** Change to cancel the running loop and start a fresh one on the next `pulumi up`. */
  readonly restartToken?: pulumi.Input<string>;
  /** Alert when no round trip succeeded for this many minutes (2 to 1410). Default 15. */
  readonly alertAfterMinutes?: number;
  /** Notification channels (ids) for the alert. Default: none (the alert shows in the console). */
  readonly notificationChannels?: pulumi.Input<pulumi.Input<string>[]>;
  /** How long the dead-letter subscription keeps messages for replay. Default `604800s` (7 days). */
  readonly deadLetterRetention?: pulumi.Input<string>;
  /** Enable the APIs this component needs. Default true. */
  readonly enableApis?: boolean;
  /** Labels for every resource that takes labels. */
  readonly labels?: Record<string, string>;
}

export const ECHO_DEFAULTS = {
  loopName: 'echo',
  processDefinitionKey: 'EchoLoop',
  knownMessageNames: ['echo'],
  maxDeliveryAttempts: 10,
  functionTimeoutSeconds: 60,
  functionMemory: '256M',
  functionMaxInstances: 10,
  functionMinInstances: 0,
  functionRuntime: 'nodejs22',
  engineTimeoutMs: 10_000,
  alertAfterMinutes: 15,
  deadLetterRetention: '604800s',
  entryPoint: 'echo',
} as const;

const settingsSchema = z
  .object({
    maxDeliveryAttempts: z
      .number()
      .int()
      .min(5, 'must be at least 5 (Pub/Sub minimum)')
      .max(100, 'must be at most 100 (Pub/Sub maximum)'),
    functionTimeoutSeconds: z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(590, 'must be at most 590 (the ack deadline, 10 s more, caps at 600)'),
    functionMemory: z.string().regex(/^\d+(?:Mi|Gi|M|G)$/, "must be a size such as '256M' or '512Mi'"),
    functionMaxInstances: z.number().int().min(1, 'must be at least 1'),
    functionMinInstances: z.number().int().min(0, 'must be 0 or more'),
    engineTimeoutMs: z.number().int().min(1000, 'must be at least 1000'),
    deadLetterRetention: z.string().regex(/^\d+s$/, "must be seconds such as '604800s'"),
  })
  .partial()
  .superRefine((v, ctx) => {
    if (
      v.functionMinInstances !== undefined &&
      v.functionMaxInstances !== undefined &&
      v.functionMinInstances > v.functionMaxInstances
    ) {
      ctx.addIssue({ code: 'custom', path: ['functionMinInstances'], message: 'must not exceed functionMaxInstances' });
    }
    if (
      v.engineTimeoutMs !== undefined &&
      v.functionTimeoutSeconds !== undefined &&
      v.engineTimeoutMs >= v.functionTimeoutSeconds * 1000
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['engineTimeoutMs'],
        message: `(${v.engineTimeoutMs}) must be below functionTimeoutSeconds × 1000 (${v.functionTimeoutSeconds * 1000}), or the function times out first`,
      });
    }
  });
type Settings = z.output<typeof settingsSchema>;

function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  if (value === undefined || pulumi.Output.isInstance(value) || value instanceof Promise) return undefined;
  return value as T;
}

function fail(name: string, message: string): never {
  throw new ConfigurationError(`EchoLoop '${name}': ${message}`);
}

type LoopStarterResourceInputs = { [K in keyof LoopStarterInputs]: pulumi.Input<LoopStarterInputs[K]> };

/** Starts the loop on create (idempotently) and cancels it on delete, through the engine's REST API. */
export class LoopStarter extends pulumi.dynamic.Resource {
  /** Process instance id of the running loop. */
  // `declare`: a class field would overwrite the output the base constructor sets.
  declare public readonly processInstanceId: pulumi.Output<string>;

  constructor(name: string, args: LoopStarterResourceInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      loopStarterProvider(),
      name,
      { processInstanceId: undefined, ...args },
      // Same business key for old and new loop: the old one must be cancelled before the new starts.
      pulumi.mergeOptions(opts, {
        deleteBeforeReplace: true,
        ...(args.basicAuthPassword !== undefined ? { additionalSecretOutputs: ['basicAuthPassword'] } : {}),
      }),
      'camunda',
      'LoopStarter',
    );
  }
}

export class EchoLoop extends pulumi.ComponentResource {
  /** Echo topic name (the engine publishes here). */
  public readonly topicName: pulumi.Output<string>;
  /** Echo topic id (`projects/<p>/topics/<t>`). */
  public readonly topicId: pulumi.Output<string>;
  /** Dead-letter topic name. */
  public readonly deadLetterTopicName: pulumi.Output<string>;
  /** Subscription that keeps dead-lettered messages for replay. */
  public readonly deadLetterSubscriptionName: pulumi.Output<string>;
  /** The push subscription that delivers to the function. */
  public readonly pushSubscriptionName: pulumi.Output<string>;
  /** Function name. */
  public readonly functionName: pulumi.Output<string>;
  /** Function URL (its Cloud Run service URL: the push endpoint's base and token audience). */
  public readonly functionUrl: pulumi.Output<string>;
  /** The function's service account (invokes the engine). */
  public readonly functionServiceAccountEmail: pulumi.Output<string>;
  /** Dashboard resource id. */
  public readonly dashboardId: pulumi.Output<string>;
  /** Cloud console link to the dashboard. */
  public readonly dashboardUrl: pulumi.Output<string>;
  /** Alert policy resource name. */
  public readonly alertPolicyName: pulumi.Output<string>;
  /** The loop's name (business key). */
  public readonly loopName: string;
  /** Process instance id of the running loop (undefined when startLoop is false). */
  public readonly processInstanceId: pulumi.Output<string> | undefined;

  constructor(name: string, args: EchoLoopArgs, opts?: pulumi.ComponentResourceOptions) {
    super('camunda-serverless:index:EchoLoop', name, {}, opts);

    // ---- Arguments ------------------------------------------------------------------------------
    if (!args || !args.engine)
      fail(
        name,
        'engine is required (pass a CamundaServerless or its url, serviceName, location, project, serviceAccountEmail)',
      );
    const engine = args.engine;
    const project = pulumi.output(args.project ?? engine.project);
    const region = pulumi.output(args.region ?? engine.location);
    const prefix = args.namePrefix ?? sanitizePrefix(name);
    if (!NAME_PREFIX.test(prefix)) {
      fail(name, `namePrefix '${prefix}' must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter`);
    }
    const loopName = args.loopName ?? ECHO_DEFAULTS.loopName;
    if (!SAFE_NAME.test(loopName))
      fail(name, `loopName '${loopName}' must start with a letter and hold only letters, digits, _ . - (at most 100)`);
    const definitionKey = args.processDefinitionKey ?? ECHO_DEFAULTS.processDefinitionKey;
    if (!SAFE_NAME.test(definitionKey))
      fail(name, `processDefinitionKey '${definitionKey}' is not a valid process definition key`);
    const messageNames = args.knownMessageNames ?? [...ECHO_DEFAULTS.knownMessageNames];
    if (messageNames.length === 0 || !messageNames.every((m) => SAFE_NAME.test(m))) {
      fail(name, 'knownMessageNames must list at least one name of letters, digits, _ . - starting with a letter');
    }
    const alertMinutes = args.alertAfterMinutes ?? ECHO_DEFAULTS.alertAfterMinutes;
    if (!Number.isInteger(alertMinutes) || alertMinutes < ALERT_MINUTES_MIN || alertMinutes > ALERT_MINUTES_MAX) {
      fail(
        name,
        `alertAfterMinutes must be a whole number from ${ALERT_MINUTES_MIN} to ${ALERT_MINUTES_MAX}, got ${alertMinutes}`,
      );
    }
    const inputs: { [K in keyof Settings]?: pulumi.Input<Settings[K]> } = {
      maxDeliveryAttempts: args.maxDeliveryAttempts ?? ECHO_DEFAULTS.maxDeliveryAttempts,
      functionTimeoutSeconds: args.functionTimeoutSeconds ?? ECHO_DEFAULTS.functionTimeoutSeconds,
      functionMemory: args.functionMemory ?? ECHO_DEFAULTS.functionMemory,
      functionMaxInstances: args.functionMaxInstances ?? ECHO_DEFAULTS.functionMaxInstances,
      functionMinInstances: args.functionMinInstances ?? ECHO_DEFAULTS.functionMinInstances,
      engineTimeoutMs: args.engineTimeoutMs ?? ECHO_DEFAULTS.engineTimeoutMs,
      deadLetterRetention: args.deadLetterRetention ?? ECHO_DEFAULTS.deadLetterRetention,
    };
    const context = `EchoLoop '${name}': invalid arguments`;
    const now = Object.fromEntries(
      Object.entries(inputs)
        .map(([k, v]) => [k, known(v)])
        .filter(([, v]) => v !== undefined),
    );
    parseOrThrow(settingsSchema, now, context, '');
    const settings = pulumi
      .output(inputs)
      .apply((v) => parseOrThrow(settingsSchema, v, context, '') as Required<Settings>);
    const source = functionSource(args.functionSourceDir ?? defaultEchoFunctionSource(), `${prefix}-source`);
    const labels = {
      app: 'camunda-serverless',
      'managed-by': 'pulumi',
      loop: sanitizePrefix(loopName, 63),
      ...(args.labels ?? {}),
    };
    const parent = { parent: this };

    // ---- APIs ------------------------------------------------------------------------------------
    const apis =
      args.enableApis === false
        ? []
        : [
            'cloudfunctions',
            'cloudbuild',
            'run',
            'pubsub',
            'storage',
            'artifactregistry',
            'logging',
            'monitoring',
            'iam',
          ].map(
            (api) =>
              new gcp.projects.Service(
                `${name}-api-${api}`,
                { project, service: `${api}.googleapis.com`, disableOnDestroy: false, disableDependentServices: false },
                parent,
              ),
          );
    const afterApis = { parent: this, dependsOn: apis };
    const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, parent).number;
    const pubsubAgent = pulumi.interpolate`serviceAccount:service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;

    // ---- Topics ----------------------------------------------------------------------------------
    const topic = new gcp.pubsub.Topic(`${name}-topic`, { project, name: prefix, labels }, afterApis);
    const deadLetterTopic = new gcp.pubsub.Topic(
      `${name}-dead-letter`,
      { project, name: `${prefix}-dead-letter`, labels },
      afterApis,
    );
    // Without publish rights for the Pub/Sub service agent, dead-lettering silently does nothing.
    const deadLetterPublisher = new gcp.pubsub.TopicIAMMember(
      `${name}-dead-letter-publisher`,
      { project, topic: deadLetterTopic.name, role: 'roles/pubsub.publisher', member: pubsubAgent },
      parent,
    );
    const deadLetterHold = new gcp.pubsub.Subscription(
      `${name}-dead-letter-hold`,
      {
        project,
        name: `${prefix}-dead-letter-hold`,
        topic: deadLetterTopic.id,
        messageRetentionDuration: settings.deadLetterRetention,
        // Acked messages stay too, so a replay by seek still finds them.
        retainAckedMessages: true,
        expirationPolicy: { ttl: '' },
        ackDeadlineSeconds: 60,
        labels,
      },
      parent,
    );
    const enginePublisher = new gcp.pubsub.TopicIAMMember(
      `${name}-engine-publisher`,
      {
        project,
        topic: topic.name,
        role: 'roles/pubsub.publisher',
        member: pulumi.interpolate`serviceAccount:${engine.serviceAccountEmail}`,
      },
      parent,
    );

    // ---- Identities ------------------------------------------------------------------------------
    const functionAccount = new gcp.serviceaccount.Account(
      `${name}-function-sa`,
      { project, accountId: `${prefix}-fn`, displayName: `Echo function of loop ${loopName} (camunda-serverless)` },
      afterApis,
    );
    const functionMember = pulumi.interpolate`serviceAccount:${functionAccount.email}`;
    const pushAccount = new gcp.serviceaccount.Account(
      `${name}-push-sa`,
      { project, accountId: `${prefix}-push`, displayName: `Pub/Sub push to the echo function of loop ${loopName}` },
      afterApis,
    );
    const pushMember = pulumi.interpolate`serviceAccount:${pushAccount.email}`;
    // Older projects need this for Pub/Sub to mint the push OIDC token; scoped to this account only.
    const pushTokenCreator = new gcp.serviceaccount.IAMMember(
      `${name}-push-token-creator`,
      { serviceAccountId: pushAccount.name, role: 'roles/iam.serviceAccountTokenCreator', member: pubsubAgent },
      parent,
    );
    // The function may invoke the engine service and nothing else.
    const engineInvoker = new gcp.cloudrunv2.ServiceIamMember(
      `${name}-engine-invoker`,
      {
        project: engine.project,
        location: engine.location,
        name: engine.serviceName,
        role: 'roles/run.invoker',
        member: functionMember,
      },
      parent,
    );
    const functionDeps: pulumi.Resource[] = [...apis, engineInvoker];
    if (engine.basicAuth) {
      functionDeps.push(
        new gcp.secretmanager.SecretIamMember(
          `${name}-engine-password-access`,
          {
            project: engine.project,
            secretId: engine.basicAuth.passwordSecretId,
            role: 'roles/secretmanager.secretAccessor',
            member: functionMember,
          },
          parent,
        ),
      );
    }
    let buildAccount: pulumi.Input<string>;
    if (args.buildServiceAccount !== undefined) {
      buildAccount = args.buildServiceAccount;
    } else {
      const builder = new gcp.serviceaccount.Account(
        `${name}-build-sa`,
        { project, accountId: `${prefix}-build`, displayName: `Builds the echo function of loop ${loopName}` },
        afterApis,
      );
      functionDeps.push(
        new gcp.projects.IAMMember(
          `${name}-build-role`,
          {
            project,
            role: 'roles/cloudbuild.builds.builder',
            member: pulumi.interpolate`serviceAccount:${builder.email}`,
          },
          parent,
        ),
      );
      buildAccount = builder.name;
    }

    // ---- Function --------------------------------------------------------------------------------
    const bucket = new gcp.storage.Bucket(
      `${name}-source`,
      {
        project,
        location: region.apply((r) => r.toUpperCase()),
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        forceDestroy: true,
        labels,
      },
      afterApis,
    );
    const sourceObject = new gcp.storage.BucketObject(
      `${name}-source-object`,
      // The name follows the content: a changed source is a new object, so the function redeploys.
      { bucket: bucket.name, name: source.objectName, source: source.archive, contentType: 'application/zip' },
      parent,
    );
    const environment: Record<string, pulumi.Input<string>> = {
      ENGINE_URL: engine.url,
      ENGINE_AUTH: 'id-token',
      KNOWN_MESSAGE_NAMES: messageNames.join(','),
      ENGINE_TIMEOUT_MS: settings.engineTimeoutMs.apply(String),
    };
    if (engine.basicAuth) environment.ENGINE_BASIC_AUTH_USER = engine.basicAuth.user;
    const fn = new gcp.cloudfunctionsv2.Function(
      `${name}-function`,
      {
        project,
        location: region,
        name: prefix,
        description: `Echo function of loop ${loopName}: forwards replies to the engine (camunda-serverless)`,
        labels,
        buildConfig: {
          runtime: args.functionRuntime ?? ECHO_DEFAULTS.functionRuntime,
          entryPoint: ECHO_DEFAULTS.entryPoint,
          serviceAccount: buildAccount,
          source: { storageSource: { bucket: bucket.name, object: sourceObject.name } },
        },
        serviceConfig: {
          serviceAccountEmail: functionAccount.email,
          availableMemory: settings.functionMemory,
          timeoutSeconds: settings.functionTimeoutSeconds,
          maxInstanceCount: settings.functionMaxInstances,
          minInstanceCount: settings.functionMinInstances,
          // Pub/Sub push arrives from outside any VPC; IAM (run.invoker) is what keeps it private.
          ingressSettings: 'ALLOW_ALL',
          allTrafficOnLatestRevision: true,
          environmentVariables: environment,
          secretEnvironmentVariables: engine.basicAuth
            ? [
                {
                  key: 'ENGINE_BASIC_AUTH_PASSWORD',
                  projectId: engine.project,
                  secret: engine.basicAuth.passwordSecretId,
                  version: engine.basicAuth.passwordSecretVersion,
                },
              ]
            : [],
        },
      },
      { parent: this, dependsOn: functionDeps },
    );
    const functionUrl = fn.serviceConfig.apply((c) => c?.uri ?? '');
    const functionService = pulumi
      .all([fn.serviceConfig, fn.name])
      .apply(([c, n]) => c?.service?.split('/').pop() || n);
    const pushInvoker = new gcp.cloudrunv2.ServiceIamMember(
      `${name}-push-invoker`,
      { project, location: region, name: functionService, role: 'roles/run.invoker', member: pushMember },
      parent,
    );

    // ---- Push subscription -----------------------------------------------------------------------
    const push = new gcp.pubsub.Subscription(
      `${name}-push`,
      {
        project,
        name: `${prefix}-push`,
        topic: topic.id,
        // At least the function timeout: a slower ack deadline would redeliver a delivery in progress.
        ackDeadlineSeconds: settings.functionTimeoutSeconds.apply((t) => Math.min(600, t + 10)),
        pushConfig: {
          pushEndpoint: pulumi.interpolate`${functionUrl}/projects/${project}/topics/${topic.name}`,
          oidcToken: { serviceAccountEmail: pushAccount.email, audience: functionUrl },
        },
        retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
        deadLetterPolicy: { deadLetterTopic: deadLetterTopic.id, maxDeliveryAttempts: settings.maxDeliveryAttempts },
        // The default expiry (31 days without activity) would end a paused loop for good.
        expirationPolicy: { ttl: '' },
        messageRetentionDuration: '604800s',
        labels,
      },
      { parent: this, dependsOn: [pushInvoker, pushTokenCreator, deadLetterPublisher] },
    );
    // The service agent acks the original when it dead-letters; it needs subscriber for that.
    const deadLetterAck = new gcp.pubsub.SubscriptionIAMMember(
      `${name}-push-dead-letter-subscriber`,
      { project, subscription: push.name, role: 'roles/pubsub.subscriber', member: pubsubAgent },
      parent,
    );

    // ---- Monitoring ------------------------------------------------------------------------------
    const roundTripMetric = new gcp.logging.Metric(
      `${name}-round-trip-metric`,
      {
        project,
        name: `${prefix}-round-trip-ms`,
        description: `Echo loop ${loopName}: engine → Pub/Sub → function → engine round trip of delivered replies`,
        filter: functionService.apply(roundTripLogFilter),
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
    const deliveriesMetric = new gcp.logging.Metric(
      `${name}-deliveries-metric`,
      {
        project,
        name: `${prefix}-deliveries`,
        description: `Echo loop ${loopName}: deliveries to the echo function by outcome (delivered = one iteration)`,
        filter: functionService.apply(deliveryLogFilter),
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
    const dashboard = new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      {
        project,
        dashboardJson: pulumi
          .all([roundTripMetric.name, deliveriesMetric.name, deadLetterHold.name])
          .apply(([roundTrip, deliveries, deadLetters]) =>
            JSON.stringify(
              echoDashboard({
                title: `Echo loop monitor: ${loopName} (${prefix})`,
                roundTripMetric: roundTrip,
                deliveriesMetric: deliveries,
                deadLetterSubscription: deadLetters,
              }),
            ),
          ),
      },
      afterApis,
    );
    const alert = new gcp.monitoring.AlertPolicy(
      `${name}-stalled-alert`,
      {
        project,
        displayName: `Echo loop ${loopName} (${prefix}) stalled: no round trip for ${alertMinutes} min`,
        combiner: 'OR',
        severity: 'ERROR',
        conditions: [
          {
            displayName: `No delivered round trip for ${alertMinutes} minutes`,
            conditionAbsent: {
              filter: deliveriesMetric.name.apply((m) => userMetricFilter(m, 'metric.label.outcome="delivered"')),
              duration: `${alertMinutes * 60}s`,
              aggregations: [
                { alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_SUM', crossSeriesReducer: 'REDUCE_SUM' },
              ],
              trigger: { count: 1 },
            },
          },
        ],
        documentation: {
          mimeType: 'text/markdown',
          content: pulumi.interpolate`The echo loop **${loopName}** has not completed a round trip for ${alertMinutes} minutes.

Check, in order: the engine's incidents and failed jobs (\`GET /engine-rest/incident\`, \`GET /engine-rest/job?withException=true\`); the push subscription \`${push.name}\` backlog; the dead-letter subscription \`${deadLetterHold.name}\` (replay with a seek or by republishing); the echo function's logs (outcomes \`retry\` and \`invalid\`).`,
        },
        notificationChannels: args.notificationChannels ?? [],
        alertStrategy: { autoClose: '1800s' },
        userLabels: labels,
      },
      { parent: this, dependsOn: [...apis, deliveriesMetric] },
    );

    // ---- Loop ------------------------------------------------------------------------------------
    if (args.startLoop ?? true) {
      const starter = new LoopStarter(
        `${name}-loop`,
        {
          engineUrl: engine.url,
          loopName,
          project,
          topic: topic.name,
          processDefinitionKey: definitionKey,
          auth: 'id-token',
          ...(engine.basicAuth
            ? { basicAuthUser: engine.basicAuth.user, basicAuthPassword: pulumi.secret(engine.basicAuth.password) }
            : {}),
          ...(args.restartToken !== undefined ? { restartToken: args.restartToken } : {}),
        },
        // Everything the first iteration needs exists before the loop starts (a message published
        // to a topic without subscription is lost), and on destroy the loop is cancelled first.
        { parent: this, dependsOn: [push, deadLetterAck, enginePublisher, engineInvoker, pushInvoker, fn] },
      );
      this.processInstanceId = starter.processInstanceId;
    } else {
      this.processInstanceId = undefined;
    }

    // ---- Outputs -------------------------------------------------------------------------------
    this.loopName = loopName;
    this.topicName = topic.name;
    this.topicId = topic.id;
    this.deadLetterTopicName = deadLetterTopic.name;
    this.deadLetterSubscriptionName = deadLetterHold.name;
    this.pushSubscriptionName = push.name;
    this.functionName = fn.name;
    this.functionUrl = functionUrl;
    this.functionServiceAccountEmail = functionAccount.email;
    this.dashboardId = dashboard.id;
    this.dashboardUrl = pulumi.interpolate`https://console.cloud.google.com/monitoring/dashboards/custom/${dashboard.id.apply((id) => id.split('/').pop() ?? id)}?project=${project}`;
    this.alertPolicyName = alert.name;
    this.registerOutputs({
      topicName: this.topicName,
      topicId: this.topicId,
      deadLetterTopicName: this.deadLetterTopicName,
      deadLetterSubscriptionName: this.deadLetterSubscriptionName,
      pushSubscriptionName: this.pushSubscriptionName,
      functionName: this.functionName,
      functionUrl: this.functionUrl,
      functionServiceAccountEmail: this.functionServiceAccountEmail,
      dashboardId: this.dashboardId,
      dashboardUrl: this.dashboardUrl,
      alertPolicyName: this.alertPolicyName,
      loopName: this.loopName,
      processInstanceId: this.processInstanceId,
    });
  }
}
