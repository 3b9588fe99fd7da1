/**
 * The whole echo loop on one machine, as in the cloud but with local stand-ins: the official Pub/Sub
 * emulator, a metadata endpoint handing out fake tokens, the engine jar (H2 or PostgreSQL) and the
 * echo function in the Functions Framework. Everything listens on free ports of 127.0.0.1 and keeps
 * its state and logs in one run folder. `npm run local`, the end-to-end test and later chaos and
 * benchmark scripts all start it from here.
 *
 *   engine --publish--> emulator topic --push subscription--> function --POST /message--> front --> engine(s)
 *
 * The engines stand behind a front (engine-front.ts) with one stable URL, as a Cloud Run service's
 * instances behind its load balancer: more can join and leave (engine-pool.ts).
 */
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CamundaRest } from './camunda-rest';
import { DeliveryStats, type DeliveryLine } from './deliveries';
import { startEchoFunction, type EchoFunctionOptions, type RunningEchoFunction } from './echo-function';
import type { EngineDatabase, EngineOptions, RunningEngine } from './engine';
import { EnginePool } from './engine-pool';
import { startMetadataServer, type MetadataServer } from './metadata-server';
import { removeClusterOf, startPostgres, type RunningPostgres } from './postgres';
import { runningChildren, type Child } from './processes';
import { startPubsubEmulator, type PubsubEmulator } from './pubsub-emulator';
import { prepareRunFolder, recordChildren } from './run-folder';
import type { LocalStack, LocalStackLogs, LocalStackOptions, RestartOptions } from './stack-types';
import { pushHeldMessages } from './held-messages';

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
 *   (see LOCAL_SUBSCRIPTION); PushTask publishes its request again after 30 s without a reply instead of
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

/** The push subscription's retry and dead-letter settings a stack is started with (LOCAL_SUBSCRIPTION's by default). */
export interface PushSubscriptionSettings {
  readonly retryPolicy: { readonly minimumBackoff: string; readonly maximumBackoff: string };
  readonly maxDeliveryAttempts: number;
}

export type { DatabaseChoice, LocalStack, LocalStackLogs, LocalStackOptions, RestartOptions } from './stack-types';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the stack; on any failure it stops every part it started and rethrows. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = new RunningLocalStack(options);
  await stack.start();
  return stack;
}

/** Something started that stop() must end, the last started first. */
interface Part {
  stop(): Promise<void>;
}

/**
 * The stack's parts and what can be done with them. start() brings them up in order (emulator and
 * metadata endpoint, database, engine, function, topics); every part is tracked as it starts, so a
 * failure at any step, and stop(), end exactly what runs.
 */
class RunningLocalStack implements LocalStack {
  readonly runFolder: string;
  readonly project: string;
  readonly topic: string;
  readonly subscription: string;
  readonly deadLetterTopic: string;
  readonly deliveries = new DeliveryStats();
  leftoversEnded: readonly string[] = [];
  metadata!: MetadataServer;
  emulator!: PubsubEmulator;
  postgres?: RunningPostgres;
  rest!: CamundaRest;
  logs!: LocalStackLogs;

  private readonly status: (message: string) => void;
  private readonly deadLetterSubscription: string;
  private readonly started: Part[] = [];
  private readonly deliveryListeners = new Set<(line: DeliveryLine) => void>();
  private childrenBefore = new Set<Child>();
  private engineDatabase!: EngineDatabase;
  private engines!: EnginePool;
  private functionOptions!: EchoFunctionOptions;
  private runningFunction!: RunningEchoFunction;
  private pushEndpoint!: string;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LocalStackOptions) {
    this.status = options.onStatus ?? (() => undefined);
    this.runFolder = options.runFolder ?? DEFAULT_RUN_FOLDER;
    this.project = options.project ?? 'local-project';
    this.topic = options.topic ?? 'echo-requests';
    this.subscription = `${this.topic}-push`;
    this.deadLetterTopic = `${this.topic}-dead-letter`;
    this.deadLetterSubscription = `${this.deadLetterTopic}-pull`;
  }

  get database(): 'h2' | 'postgres' {
    return this.engineDatabase.type;
  }

  /** The engine that joined last (restartEngine replaces it in place). */
  get engine(): RunningEngine {
    return this.engines.newest;
  }

  get runningEngines(): readonly RunningEngine[] {
    return this.engines.engines;
  }

  get engineFrontUrl(): string {
    return this.engines.front.url;
  }

  requestsAnsweredBy(engine: RunningEngine): number {
    return this.engines.front.answeredBy(engine.url);
  }

  /** The requests this engine holds now through the front: sent to it, not yet answered. */
  requestsInFlightAt(engine: RunningEngine): number {
    return this.engines.front.inFlightAt(engine.url);
  }

  /** The function now running (restartFunction replaces it). */
  get echoFunction(): RunningEchoFunction {
    return this.runningFunction;
  }

  async start(): Promise<void> {
    this.prepareRunFolder();
    try {
      await this.startEmulatorAndMetadata();
      this.engineDatabase = await this.startDatabase();
      await this.startEngine();
      await this.startFunction();
      await this.createTopics();
    } catch (error) {
      await this.stopStarted();
      throw error;
    }
    // Through the front: its URL stays while engines join, leave and restart.
    this.rest = new CamundaRest(`${this.engineFrontUrl}/engine-rest`);
    this.logs = {
      engine: this.engine.logFile,
      function: this.echoFunction.logFile,
      emulator: this.emulator.logFile,
      ...(this.postgres ? { postgres: this.postgres.logFile } : {}),
      deadLetters: join(this.runFolder, 'dead-letters.jsonl'),
    };
  }

  onDelivery(listener: (line: DeliveryLine) => void): () => void {
    this.deliveryListeners.add(listener);
    return () => this.deliveryListeners.delete(listener);
  }

  async startLoops(names: readonly string[]): Promise<Map<string, string>> {
    // An existing database may hold loops of these names from an earlier run: their requests died
    // with that run's emulator, so they would never turn again. Stop them and start afresh.
    if (this.database === 'postgres' && !this.postgres) await this.stopLoops(names);
    const ids = new Map<string, string>();
    for (const name of names) {
      const instance = await this.rest.startProcess('EchoLoop', {
        businessKey: name,
        variables: {
          project: { value: this.project, type: 'String' },
          topic: { value: this.topic, type: 'String' },
        },
      });
      ids.set(name, instance.id);
    }
    return ids;
  }

  async stopLoops(names: readonly string[]): Promise<void> {
    for (const name of names) {
      // A stop that meets the loop mid-step fails on optimistic locking (500): try again until no
      // EchoLoop of that name runs. 400 means nothing waited for the message at that moment.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const answer = await this.rest.correlate({ messageName: 'StopEchoLoop', businessKey: name });
        if (answer.status === 204) break;
        const running = await this.rest.count('process-instance', {
          processDefinitionKey: 'EchoLoop',
          businessKey: name,
        });
        if (running === 0) break;
        await sleep(100);
      }
    }
  }

  async drainDeadLetters(): Promise<number> {
    const received = await this.emulator.pull(this.deadLetterSubscription);
    for (const message of received) {
      appendFileSync(this.logs.deadLetters, `${JSON.stringify(message)}\n`);
    }
    return received.length;
  }

  pushHeldMessages(): Promise<string[]> {
    // Straight to the function, past anything put between Pub/Sub and it.
    const functionEndpoint = this.echoFunction.pushEndpoint(this.emulator.topicPath(this.topic));
    return pushHeldMessages(this.emulator, this.subscription, functionEndpoint, this.pushEndpoint);
  }

  async restartEngine(restart: RestartOptions = {}): Promise<void> {
    // The same port: the front keeps routing to it across the restart.
    await this.engines.restart(this.engine, restart);
    this.rememberChildren();
  }

  async addEngine(): Promise<RunningEngine> {
    const engine = await this.engines.add();
    this.rememberChildren();
    return engine;
  }

  async removeEngine(engine: RunningEngine, signal: RestartOptions['signal'] = 'SIGTERM'): Promise<number | string> {
    const exit = await this.engines.remove(engine, signal);
    this.rememberChildren();
    return exit;
  }

  async restartFunction(restart: RestartOptions = {}): Promise<void> {
    const { port } = this.echoFunction;
    await (restart.signal === 'SIGTERM' ? this.echoFunction.stop() : this.echoFunction.child.kill());
    await sleep(restart.downMs ?? 0);
    // The same port: the push subscription keeps its endpoint across the restart.
    this.runningFunction = await startEchoFunction({ ...this.functionOptions, port });
    this.rememberChildren();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.status('stopping the stack');
      await this.stopStarted();
    })();
    return this.stopping;
  }

  /** Ends a killed earlier run's leftovers (and its PostgreSQL cluster), then wipes the run folder. */
  private prepareRunFolder(): void {
    this.leftoversEnded = prepareRunFolder(this.runFolder, (folder) => removeClusterOf(join(folder, 'postgres')));
    if (this.leftoversEnded.length > 0)
      this.status(`ended leftovers of a killed earlier run: ${this.leftoversEnded.join(', ')}`);
    this.childrenBefore = new Set(runningChildren());
  }

  private async startEmulatorAndMetadata(): Promise<void> {
    this.status('starting the Pub/Sub emulator and the metadata endpoint');
    const emulator = startPubsubEmulator({ dataDir: join(this.runFolder, 'emulator'), project: this.project }).then(
      (started) => {
        this.emulator = started;
        this.track(started);
      },
    );
    const metadata = startMetadataServer().then((started) => {
      this.metadata = started;
      this.track({ stop: () => started.close() });
    });
    // Both settled before a failure is thrown: the clean-up must find the other one tracked.
    const failed = (await Promise.allSettled([emulator, metadata])).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async startDatabase(): Promise<EngineDatabase> {
    const choice = this.options.database ?? { type: 'h2' };
    if (choice.type === 'h2') return { type: 'h2', file: join(this.runFolder, 'engine', 'h2', 'engine') };
    if ('url' in choice) return { type: 'postgres', url: choice.url, user: choice.user, password: choice.password };
    this.status('starting a throwaway PostgreSQL server');
    const statementStats = 'statementStats' in choice && choice.statementStats === true;
    const server = await startPostgres({ dataDir: join(this.runFolder, 'postgres'), statementStats });
    this.postgres = server;
    // The cluster lives under the temp folder: removed when the stack stops; the log stays.
    this.track({ stop: () => server.destroy({ keepLog: true }) });
    return { type: 'postgres', url: server.jdbcUrl, user: server.user, password: server.password };
  }

  private async startEngine(): Promise<void> {
    this.status(`starting the engine (${this.database === 'h2' ? 'H2' : 'PostgreSQL'})`);
    const pubsubUrl = (await this.options.between?.engineAndPubsub?.(this.emulator.url)) ?? this.emulator.url;
    const engineOptions: EngineOptions = {
      dataDir: join(this.runFolder, 'engine'),
      database: this.engineDatabase,
      settings: {
        ...LOCAL_ENGINE_SETTINGS,
        METADATA_URL: this.metadata.url,
        PUBSUB_URL: pubsubUrl,
        ...this.options.engineSettings,
      },
    };
    const engines = new EnginePool(engineOptions);
    // Tracked before the first engine starts: a failure to start ends what did.
    this.track({ stop: () => engines.stop() });
    await engines.start();
    this.engines = engines;
  }

  private async startFunction(): Promise<void> {
    this.status('starting the echo function');
    const frontUrl = this.engineFrontUrl;
    const engineUrl = (await this.options.between?.functionAndEngine?.(frontUrl)) ?? frontUrl;
    // The listener goes in with the options, so that it hears the first delivery of every start.
    this.functionOptions = {
      engineUrl,
      logFile: join(this.runFolder, 'function.log'),
      onDelivery: (line) => this.recordDelivery(line),
    };
    this.runningFunction = await startEchoFunction(this.functionOptions);
    this.track({ stop: () => this.echoFunction.stop() });
  }

  /** The topic, its push subscription to the function, and the dead-letter topic with a pull subscription. */
  private async createTopics(): Promise<void> {
    const { emulator, topic, subscription, deadLetterTopic } = this;
    const pushBaseUrl =
      (await this.options.between?.pubsubAndFunction?.(this.echoFunction.url)) ?? this.echoFunction.url;
    this.status(`creating topic ${topic}, push subscription ${subscription} and dead-letter topic ${deadLetterTopic}`);
    await emulator.createTopic(topic);
    await emulator.createTopic(deadLetterTopic);
    // Without a subscription a topic drops what it gets: this one keeps dead letters until drained.
    await emulator.createPullSubscription(this.deadLetterSubscription, deadLetterTopic);
    this.pushEndpoint = `${pushBaseUrl}/${emulator.topicPath(topic)}`;
    await emulator.createPushSubscription(subscription, topic, this.pushEndpoint, {
      ackDeadlineSeconds: LOCAL_SUBSCRIPTION.ackDeadlineSeconds,
      retryPolicy: this.options.retryPolicy ?? LOCAL_SUBSCRIPTION.retryPolicy,
      deadLetterPolicy: {
        deadLetterTopic,
        maxDeliveryAttempts: this.options.maxDeliveryAttempts ?? LOCAL_SUBSCRIPTION.maxDeliveryAttempts,
      },
    });
  }

  private recordDelivery(line: DeliveryLine): void {
    this.deliveries.record(line);
    for (const listener of this.deliveryListeners) listener(line);
  }

  /** Tracks a part for stop() and writes the stack's process ids down (run-folder.ts). */
  private track(part: Part): void {
    this.started.push(part);
    this.rememberChildren();
  }

  private rememberChildren(): void {
    recordChildren(
      this.runFolder,
      runningChildren().filter((child) => !this.childrenBefore.has(child)),
    );
  }

  /** The function first (no more replies), then the engine (it finishes what it holds), then the rest. */
  private async stopStarted(): Promise<void> {
    for (const part of this.started.splice(0).reverse()) {
      await part.stop().catch(() => undefined);
    }
    this.rememberChildren();
  }
}
