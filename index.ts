// The stack program: the Camunda engine and, unless switched off, the echo loop that proves the
// engine ↔ Pub/Sub ↔ function chain. Only gcp:project and gcp:region must be set; every other key is
// declared with its default in Pulumi.yaml and checked in components/stack-config.ts.

import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { CamundaServerless, EchoLoop, echoFunctionCaller, echoStarterCaller } from './components';
import { readStackConfig, type StackConfig } from './components/stack-config';
import { ConfigurationError } from './components/validation';

function loadConfig(): StackConfig {
  const config = new pulumi.Config();
  const gcpConfig = new pulumi.Config('gcp');
  try {
    return readStackConfig(
      (key) => config.get(key),
      { project: gcpConfig.get('project'), region: gcpConfig.get('region') },
      pulumi.getStack(),
    );
  } catch (err) {
    // A RunError prints its message without a stack trace: the message is the whole story.
    if (err instanceof ConfigurationError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const cfg = loadConfig();
for (const warning of cfg.warnings) pulumi.log.warn(warning);

// The echo loop's names, known before it exists: its function is one of the engine's callers.
const echoLoopName = { name: 'echo', project: cfg.project, namePrefix: `${cfg.prefix}-echo` };
// The account the loop starter impersonates: the one configured, else (when the loop is started on
// a private engine, which checks its callers) the loop's own `<prefix>-echo-starter`, which EchoLoop
// creates then. Either is an operator.
const starterAccount: pulumi.Input<string> | undefined =
  cfg.starterServiceAccount ??
  (cfg.echoLoop && cfg.startLoop && !cfg.public ? echoStarterCaller(echoLoopName).email : undefined);

const engine = new CamundaServerless('camunda', {
  project: cfg.project,
  region: cfg.region,
  namePrefix: cfg.prefix,
  ...(cfg.image !== undefined ? { image: cfg.image } : {}),
  minInstances: cfg.minInstances,
  maxInstances: cfg.maxInstances,
  cpu: cfg.cpu,
  memory: cfg.memory,
  ...(cfg.javaToolOptions !== undefined ? { javaToolOptions: cfg.javaToolOptions } : {}),
  concurrency: cfg.concurrency,
  requestTimeoutSeconds: cfg.requestTimeoutSeconds,
  ingress: cfg.ingress,
  public: cfg.public,
  // A private engine checks each caller's Google ID token: the function may correlate messages;
  // operators and the loop starter's account may do everything.
  callers: cfg.echoLoop ? [echoFunctionCaller(echoLoopName)] : [],
  operators: [...cfg.operators, ...(starterAccount !== undefined ? [starterAccount] : [])],
  deletionProtection: cfg.deletionProtection,
  database: {
    version: cfg.databaseVersion,
    tier: cfg.databaseTier,
    backups: cfg.databaseBackups,
    poolSize: cfg.databasePoolSize,
  },
  engine: {
    publishRetryTimeCycle: cfg.publishRetryTimeCycle,
    ...(cfg.republishAfter !== undefined ? { republishAfter: cfg.republishAfter } : {}),
    ...(cfg.jobRetryTimeCycle !== undefined ? { jobRetryTimeCycle: cfg.jobRetryTimeCycle } : {}),
    ...(cfg.historyLevel !== undefined ? { historyLevel: cfg.historyLevel } : {}),
    ...(cfg.historyTimeToLive !== undefined ? { historyTimeToLive: cfg.historyTimeToLive } : {}),
    ...(cfg.historyCleanupWindow !== undefined ? { historyCleanupWindow: cfg.historyCleanupWindow } : {}),
    ...(cfg.jobLockTimeMs > 0 ? { jobLockTimeMs: cfg.jobLockTimeMs } : {}),
    ...(cfg.jobMaxWaitMs > 0 ? { jobMaxWaitMs: cfg.jobMaxWaitMs } : {}),
  },
  wakeIntervalMinutes: cfg.wakeIntervalMinutes,
  ...(cfg.schedulerRegion !== undefined ? { schedulerRegion: cfg.schedulerRegion } : {}),
  labels: {
    stack: pulumi
      .getStack()
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-')
      .slice(0, 63),
  },
});

let loop: EchoLoop | undefined;
if (cfg.echoLoop) {
  const channels: pulumi.Output<string>[] = [];
  if (cfg.alertEmail !== undefined) {
    const channel = new gcp.monitoring.NotificationChannel('alert-email', {
      project: cfg.project,
      type: 'email',
      displayName: `camunda-serverless ${pulumi.getStack()} alerts`,
      labels: { email_address: cfg.alertEmail },
    });
    channels.push(channel.name);
  }
  loop = new EchoLoop(echoLoopName.name, {
    engine,
    project: cfg.project,
    region: cfg.region,
    namePrefix: echoLoopName.namePrefix,
    ...(cfg.starterServiceAccount !== undefined ? { starterServiceAccount: cfg.starterServiceAccount } : {}),
    loopName: cfg.loopName,
    startLoop: cfg.startLoop,
    maxDeliveryAttempts: cfg.echoMaxDeliveryAttempts,
    functionTimeoutSeconds: cfg.functionTimeoutSeconds,
    functionMaxInstances: cfg.functionMaxInstances,
    engineTimeoutMs: cfg.engineTimeoutMs,
    alertAfterMinutes: cfg.alertAfterMinutes,
    notificationChannels: channels,
  });
}

// ---- Stack outputs: what an operator needs, and nothing secret --------------------------------
// One object, so outputs that do not apply to this stack are left out instead of warned about.
const outputs: Record<string, pulumi.Input<string> | undefined> = {
  /** The engine's base URL (private unless `public`: call it with an ID token). */
  engineUrl: engine.url,
  /** Where functions correlate their replies (POST, Camunda message correlation). */
  messageUrl: engine.messageUrl,
  engineService: engine.serviceName,
  engineServiceAccount: engine.serviceAccountEmail,
  /** The image the engine runs, by digest. */
  imageDigest: engine.imageDigest,
  /** For the Cloud SQL Auth Proxy: `cloud-sql-proxy <name>`. */
  databaseConnectionName: engine.databaseConnectionName,
  /** The Secret Manager secret holding the database password (a reference, not the value). */
  databasePasswordSecret: engine.databasePasswordSecret,
  /**
   * A ready-made call to the engine: your own identity, or, when it checks callers, the starter
   * account's (the deployer may mint its tokens), with the engine URL as audience and its e-mail.
   */
  curlEngine: engine.restCallers
    ? pulumi.interpolate`T=$(gcloud auth print-identity-token --impersonate-service-account=${starterAccount ?? 'OPERATOR_SERVICE_ACCOUNT'} --audiences=${engine.url} --include-email) && curl -H "X-Serverless-Authorization: Bearer $T" -H "Authorization: Bearer $T" ${engine.url}/engine-rest/process-instance/count`
    : pulumi.interpolate`curl -H "Authorization: Bearer $(gcloud auth print-identity-token)" ${engine.url}/engine-rest/process-instance/count`,
  wakeJob: engine.wakeJob?.name,
  /** The account the loop starter impersonates, an operator of the engine: mint its tokens to call the engine. */
  starterAccount,
};
if (engine.basicAuth) {
  outputs.adminUser = engine.basicAuth.user;
  outputs.adminPasswordSecret = pulumi.interpolate`projects/${engine.project}/secrets/${engine.basicAuth.passwordSecretId}`;
}
if (loop) {
  Object.assign(outputs, {
    loopName: loop.loopName,
    loopProcessInstanceId: loop.processInstanceId,
    echoTopic: loop.topicName,
    echoFunction: loop.functionName,
    echoFunctionUrl: loop.functionUrl,
    pushSubscription: loop.pushSubscriptionName,
    deadLetterTopic: loop.deadLetterTopicName,
    deadLetterSubscription: loop.deadLetterSubscriptionName,
    /** Look at dead-lettered messages without acknowledging them (replay: republish to the echo topic). */
    inspectDeadLetters: pulumi.interpolate`gcloud pubsub subscriptions pull ${loop.deadLetterSubscriptionName} --project ${cfg.project} --limit 10`,
    dashboardUrl: loop.dashboardUrl,
    alertPolicy: loop.alertPolicyName,
  });
}

export = Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
