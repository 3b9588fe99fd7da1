/**
 * The whole echo loop on one machine, as in the cloud but with local stand-ins: the official Pub/Sub
 * emulator, a metadata endpoint handing out fake tokens, the engine jar (H2 or PostgreSQL) and the
 * echo function in the Functions Framework. Everything listens on free ports of 127.0.0.1 and keeps
 * its state and logs in one run folder. `npm run local`, the end-to-end test and later chaos and
 * benchmark scripts all start it from here.
 *
 *   engine --publish--> emulator topic --push subscription--> function --POST /message--> engine
 */
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CamundaRest } from './camunda-rest';
import { DeliveryStats, type DeliveryLine } from './deliveries';
import { startEchoFunction, type RunningEchoFunction } from './echo-function';
import { startEngine, type EngineDatabase, type RunningEngine } from './engine';
import { startMetadataServer, type MetadataServer } from './metadata-server';
import { startPostgres, type RunningPostgres } from './postgres';
import { runningChildren, type Child } from './processes';
import { startPubsubEmulator, type PubsubEmulator, type RetryPolicy } from './pubsub-emulator';
import { prepareRunFolder, recordChildren } from './run-folder';

export const DEFAULT_RUN_FOLDER = resolve(__dirname, '..', '.local', 'run');

/**
 * Engine settings of a local run (docker/camunda/README.md), chosen for a loop that turns fast and
 * recovers fast on a laptop:
 * - JOB_ACQUISITION_WAIT_MS 100, JOB_MAX_WAIT_MS 1000: a job created by the engine itself is picked up
 *   at once anyway (hint after commit); due retries are found only by polling, and these bound the
 *   wait for them to a second instead of a minute.
 * - PUBLISH_RETRY_TIME_CYCLE R999999/PT2S: still in effect forever, but a failed publish (emulator
 *   restarting, say) costs two seconds instead of thirty, well inside the stall bound of the monitor,
 *   while a loop facing a dead emulator retries only every two seconds.
 * - REPUBLISH_AFTER PT30S: the emulator now and then drops a message for good after failed pushes
 *   (see LOCAL_SUBSCRIPTION); Echo publishes its request again after 30 s without a reply instead of
 *   the engine's default 5 minutes: a first redelivery (10 s backoff) still comes well before it, and a
 *   duplicate from a later one is absorbed.
 * Everything else keeps the engine's defaults, so the local loop is the deployed one.
 */
export const LOCAL_ENGINE_SETTINGS: Readonly<Record<string, string>> = {
  REST_AUTH: 'none',
  JOB_ACQUISITION_WAIT_MS: '100',
  JOB_MAX_WAIT_MS: '1000',
  PUBLISH_RETRY_TIME_CYCLE: 'R999999/PT2S',
  REPUBLISH_AFTER: 'PT30S',
};

/**
 * The push subscription, as the EchoLoop component deploys it but for a laptop:
 * - ackDeadlineSeconds 30: the function bounds its engine call at ENGINE_TIMEOUT_MS (10 s), well inside
 *   it, so a slow engine never causes a concurrent duplicate by itself.
 * - retryPolicy 10 s to 60 s: the cloud's minimum (10 s) with a lower cap than its 600 s, so a loop
 *   resumes within a minute of the function coming back. Not shorter: with a 1 s minimum the emulator
 *   (0.8.20) often stops redelivering for good after a failed push (a NullPointerException in
 *   MessageBacklog.nackMessage kills its redelivery task), and the loop would hang on the emulator.
 * - 10 delivery attempts (the component's default), then the dead-letter topic.
 */
export const LOCAL_SUBSCRIPTION = {
  ackDeadlineSeconds: 30,
  retryPolicy: { minimumBackoff: '10s', maximumBackoff: '60s' },
  maxDeliveryAttempts: 10,
} as const;

export type DatabaseChoice =
  | { readonly type: 'h2' }
  /** A throwaway PostgreSQL server in the run folder (local/postgres.ts). */
  | { readonly type: 'postgres' }
  /** An existing PostgreSQL database. */
  | { readonly type: 'postgres'; readonly url: string; readonly user: string; readonly password: string };

export interface LocalStackOptions {
  /** The run folder: wiped at start (leftover processes of a killed run in it are ended first). */
  readonly runFolder?: string;
  readonly database?: DatabaseChoice;
  readonly project?: string;
  readonly topic?: string;
  /** The push subscription's retry policy instead of LOCAL_SUBSCRIPTION's. */
  readonly retryPolicy?: RetryPolicy;
  /** Engine settings over LOCAL_ENGINE_SETTINGS. */
  readonly engineSettings?: Readonly<Record<string, string>>;
  /** Progress messages while starting and stopping ("starting the engine"). */
  readonly onStatus?: (message: string) => void;
  /**
   * Puts something between two parts, such as the chaos run's fault proxies: each hook gets the real
   * base URL of the part being called and returns the base URL the caller should use instead.
   */
  readonly between?: {
    /** The engine's publishes: the emulator's REST URL (the engine's PUBSUB_URL). */
    readonly engineAndPubsub?: (emulatorUrl: string) => string | Promise<string>;
    /** The emulator's pushes: the function's base URL (the push endpoint's host). */
    readonly pubsubAndFunction?: (functionUrl: string) => string | Promise<string>;
    /** The function's replies: the engine's base URL (the function's ENGINE_URL). */
    readonly functionAndEngine?: (engineUrl: string) => string | Promise<string>;
  };
}

export interface RestartOptions {
  /** SIGKILL, as a crash (default), or SIGTERM, as a redeploy. */
  readonly signal?: 'SIGKILL' | 'SIGTERM';
  /** How long it stays down before it starts again. */
  readonly downMs?: number;
}

export interface LocalStackLogs {
  readonly engine: string;
  readonly function: string;
  readonly emulator: string;
  readonly postgres?: string;
  /** Dead-lettered messages, one JSON line each, to replay by hand. */
  readonly deadLetters: string;
}

export interface LocalStack {
  readonly runFolder: string;
  readonly logs: LocalStackLogs;
  readonly project: string;
  readonly topic: string;
  readonly subscription: string;
  readonly deadLetterTopic: string;
  readonly database: 'h2' | 'postgres';
  readonly metadata: MetadataServer;
  readonly emulator: PubsubEmulator;
  readonly postgres?: RunningPostgres;
  /** The engine now running (restartEngine replaces it). */
  readonly engine: RunningEngine;
  /** The function now running (restartFunction replaces it). */
  readonly echoFunction: RunningEchoFunction;
  readonly rest: CamundaRest;
  /** Every delivery of the function since it started. */
  readonly deliveries: DeliveryStats;
  /** Calls `listener` with every delivery line from now on, across function restarts; returns a function that unsubscribes. */
  onDelivery(listener: (line: DeliveryLine) => void): () => void;
  /** Names of leftover processes of a killed earlier run that were ended at start. */
  readonly leftoversEnded: readonly string[];
  /** Starts one EchoLoop per name (stopping a running loop of that name first); returns name -> instance id. */
  startLoops(names: readonly string[]): Promise<Map<string, string>>;
  /** Stops loops through the message StopEchoLoop; a loop that is not running is skipped. */
  stopLoops(names: readonly string[]): Promise<void>;
  /** Pulls dead-lettered messages into logs.deadLetters and returns how many there were. */
  drainDeadLetters(): Promise<number>;
  /**
   * Takes every message the push subscription still holds (turning it into a pull subscription for
   * that) and pushes each to the function once, as a redelivery would, acknowledging only those the
   * function took; then points the subscription at the function again. Returns their message ids. For
   * messages the emulator stopped redelivering.
   */
  pushHeldMessages(): Promise<string[]>;
  /** Ends the engine (SIGKILL by default) and starts it again on the same port and database. */
  restartEngine(options?: RestartOptions): Promise<void>;
  /** Ends the function (SIGKILL by default) and starts it again on the same port. */
  restartFunction(options?: RestartOptions): Promise<void>;
  /** Ends every process of the stack; safe to call more than once. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const status = options.onStatus ?? (() => undefined);
  const runFolder = options.runFolder ?? DEFAULT_RUN_FOLDER;
  const project = options.project ?? 'local-project';
  const topic = options.topic ?? 'echo-requests';
  const subscription = `${topic}-push`;
  const deadLetterTopic = `${topic}-dead-letter`;
  const deadLetterSubscription = `${deadLetterTopic}-pull`;

  const leftoversEnded = prepareRunFolder(runFolder);
  if (leftoversEnded.length > 0) status(`ended leftovers of a killed earlier run: ${leftoversEnded.join(', ')}`);
  const childrenBefore = new Set(runningChildren());
  const ourChildren = (): Child[] => runningChildren().filter((child) => !childrenBefore.has(child));
  const remember = () => recordChildren(runFolder, ourChildren());

  const started: { stop(): Promise<void> }[] = [];
  const stopStarted = async () => {
    for (const part of started.splice(0).reverse()) {
      await part.stop().catch(() => undefined);
    }
  };

  try {
    status('starting the Pub/Sub emulator and the metadata endpoint');
    const [emulator, metadata] = await Promise.all([
      startPubsubEmulator({ dataDir: join(runFolder, 'emulator'), project }).then((e) => {
        started.push(e);
        remember();
        return e;
      }),
      startMetadataServer().then((m) => {
        started.push({ stop: () => m.close() });
        return m;
      }),
    ]);

    let postgres: RunningPostgres | undefined;
    let database: EngineDatabase;
    const choice = options.database ?? { type: 'h2' };
    if (choice.type === 'h2') {
      database = { type: 'h2', file: join(runFolder, 'engine', 'h2', 'engine') };
    } else if ('url' in choice) {
      database = { type: 'postgres', url: choice.url, user: choice.user, password: choice.password };
    } else {
      status('starting a throwaway PostgreSQL server');
      const server = await startPostgres({ dataDir: join(runFolder, 'postgres') });
      postgres = server;
      started.push({ stop: () => server.stop() });
      remember();
      database = { type: 'postgres', url: server.jdbcUrl, user: server.user, password: server.password };
    }

    status(`starting the engine (${database.type === 'h2' ? 'H2' : 'PostgreSQL'})`);
    const pubsubUrl = (await options.between?.engineAndPubsub?.(emulator.url)) ?? emulator.url;
    const engineOptions = {
      dataDir: join(runFolder, 'engine'),
      database,
      settings: {
        ...LOCAL_ENGINE_SETTINGS,
        METADATA_URL: metadata.url,
        PUBSUB_URL: pubsubUrl,
        ...options.engineSettings,
      },
    };
    let engine = await startEngine(engineOptions);
    // Through a wrapper: a restart replaces the engine, and stop() must reach the one running then.
    started.push({ stop: () => engine.stop() });
    remember();

    status('starting the echo function');
    const engineUrlForFunction = (await options.between?.functionAndEngine?.(engine.url)) ?? engine.url;
    const functionOptions = { engineUrl: engineUrlForFunction, logFile: join(runFolder, 'function.log') };
    let echoFunction = await startEchoFunction(functionOptions);
    started.push({ stop: () => echoFunction.stop() });
    remember();
    const deliveries = new DeliveryStats();
    const deliveryListeners = new Set<(line: DeliveryLine) => void>();
    const listen = (running: RunningEchoFunction) =>
      running.onDelivery((line) => {
        deliveries.record(line);
        for (const listener of deliveryListeners) listener(line);
      });
    listen(echoFunction);
    const pushBaseUrl = (await options.between?.pubsubAndFunction?.(echoFunction.url)) ?? echoFunction.url;

    status(`creating topic ${topic}, push subscription ${subscription} and dead-letter topic ${deadLetterTopic}`);
    await emulator.createTopic(topic);
    await emulator.createTopic(deadLetterTopic);
    // Without a subscription a topic drops what it gets: this one keeps dead letters until drained.
    await emulator.createPullSubscription(deadLetterSubscription, deadLetterTopic);
    const pushEndpoint = `${pushBaseUrl}/${emulator.topicPath(topic)}`;
    await emulator.createPushSubscription(subscription, topic, pushEndpoint, {
      ackDeadlineSeconds: LOCAL_SUBSCRIPTION.ackDeadlineSeconds,
      retryPolicy: options.retryPolicy ?? LOCAL_SUBSCRIPTION.retryPolicy,
      deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: LOCAL_SUBSCRIPTION.maxDeliveryAttempts },
    });

    const rest = new CamundaRest(engine.restUrl);
    const logs: LocalStackLogs = {
      engine: engine.logFile,
      function: echoFunction.logFile,
      emulator: emulator.logFile,
      ...(postgres ? { postgres: join(postgres.dataDir, 'postgres.log') } : {}),
      deadLetters: join(runFolder, 'dead-letters.jsonl'),
    };

    const stopLoops = async (names: readonly string[]) => {
      for (const name of names) {
        // A stop that meets the loop mid-step fails on optimistic locking (500): try again until no
        // EchoLoop of that name runs. 400 means nothing waited for the message at that moment.
        for (let attempt = 0; attempt < 20; attempt += 1) {
          const answer = await rest.correlate({ messageName: 'StopEchoLoop', businessKey: name });
          if (answer.status === 204) break;
          if ((await rest.count('process-instance', { processDefinitionKey: 'EchoLoop', businessKey: name })) === 0)
            break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };

    let stopping: Promise<void> | undefined;
    return {
      runFolder,
      logs,
      project,
      topic,
      subscription,
      deadLetterTopic,
      database: database.type,
      metadata,
      emulator,
      ...(postgres ? { postgres } : {}),
      get engine() {
        return engine;
      },
      get echoFunction() {
        return echoFunction;
      },
      rest,
      deliveries,
      onDelivery(listener) {
        deliveryListeners.add(listener);
        return () => deliveryListeners.delete(listener);
      },
      leftoversEnded,
      async startLoops(names) {
        // An existing database may hold loops of these names from an earlier run: their requests died
        // with that run's emulator, so they would never turn again. Stop them and start afresh.
        if (database.type === 'postgres' && !postgres) await stopLoops(names);
        const ids = new Map<string, string>();
        for (const name of names) {
          const instance = await rest.startProcess('EchoLoop', {
            businessKey: name,
            variables: { project: { value: project, type: 'String' }, topic: { value: topic, type: 'String' } },
          });
          ids.set(name, instance.id);
        }
        return ids;
      },
      stopLoops,
      async drainDeadLetters() {
        const received = await emulator.pull(deadLetterSubscription);
        for (const message of received) {
          appendFileSync(logs.deadLetters, `${JSON.stringify(message)}\n`);
        }
        return received.length;
      },
      async pushHeldMessages() {
        // Straight to the function, past anything put between Pub/Sub and it.
        const functionEndpoint = echoFunction.pushEndpoint(emulator.topicPath(topic));
        const ids: string[] = [];
        await emulator.setPushEndpoint(subscription, null);
        try {
          for (;;) {
            // Acked only once the function took it, as a push would be: a refused one stays with the
            // subscription (until its ack deadline) and is pushed again after the endpoint is restored.
            const held = (await emulator.pull(subscription, { maxMessages: 500, ack: false })).filter(
              (message) => !ids.includes(message.messageId),
            );
            if (held.length === 0) break;
            const taken: string[] = [];
            for (const message of held) {
              ids.push(message.messageId);
              const push = {
                message: {
                  data: Buffer.from(message.data, 'utf8').toString('base64'),
                  attributes: message.attributes,
                  messageId: message.messageId,
                  publishTime: message.publishTime,
                },
                subscription: emulator.subscriptionPath(subscription),
              };
              const answer = await fetch(functionEndpoint, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(push),
                signal: AbortSignal.timeout(30_000),
              });
              if (answer.ok) taken.push(message.ackId);
            }
            await emulator.acknowledge(subscription, taken);
          }
        } finally {
          await emulator.setPushEndpoint(subscription, pushEndpoint);
        }
        return ids;
      },
      async restartEngine(restart = {}) {
        const { port } = engine;
        await (restart.signal === 'SIGTERM' ? engine.stop() : engine.child.kill());
        await sleep(restart.downMs ?? 0);
        // The same port: the function (and anything else) keeps its engine URL across the restart.
        engine = await startEngine({ ...engineOptions, port });
        remember();
      },
      async restartFunction(restart = {}) {
        const { port } = echoFunction;
        await (restart.signal === 'SIGTERM' ? echoFunction.stop() : echoFunction.child.kill());
        await sleep(restart.downMs ?? 0);
        // The same port: the push subscription keeps its endpoint across the restart.
        echoFunction = await startEchoFunction({ ...functionOptions, port });
        listen(echoFunction);
        remember();
      },
      stop() {
        // The function first (no more replies), then the engine (it finishes what it holds), then the rest.
        stopping ??= (async () => {
          status('stopping the stack');
          await stopStarted();
          recordChildren(runFolder, ourChildren());
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopStarted();
    recordChildren(runFolder, ourChildren());
    throw error;
  }
}
