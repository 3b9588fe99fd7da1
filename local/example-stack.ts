/**
 * The local stack of an example: the Pub/Sub emulator, the metadata stand-in, the engine (H2 or a
 * throwaway PostgreSQL) and one push worker per task type in the Functions Framework, each with its
 * own topic, push subscription and dead-letter topic, as the PushWorker component deploys them. Built
 * from the same pieces as the echo loop's stack (local/stack.ts), with its engine settings and its
 * subscription settings, so an example runs as the loop does.
 *
 *   engine --PushTask--> emulator topic <prefix>-<taskType> --push--> worker --POST /message--> engine
 */
import { join } from 'node:path';

import { CamundaRest } from './camunda-rest';
import { startEchoFunction, type RunningEchoFunction } from './echo-function';
import { startEngine, type EngineDatabase, type RunningEngine } from './engine';
import { startMetadataServer } from './metadata-server';
import { removeClusterOf, startPostgres } from './postgres';
import { runningChildren, type Child } from './processes';
import { startPubsubEmulator, type PubsubEmulator } from './pubsub-emulator';
import { prepareRunFolder, recordChildren } from './run-folder';
import { LOCAL_ENGINE_SETTINGS, LOCAL_SUBSCRIPTION } from './stack';
import { WorkerLines } from './example-worker-lines';

/** A worker's function source: a package folder of examples/ with its entry point and target. */
export interface ExampleWorker {
  readonly taskType: string;
  /** The entry point (TypeScript, run through tsx). */
  readonly source: string;
  /** The name it registers with functions.cloudEvent. */
  readonly target: string;
}

export interface ExampleStackOptions {
  readonly runFolder: string;
  readonly workers: readonly ExampleWorker[];
  /** A fresh database: H2 in the run folder, or a throwaway PostgreSQL server. */
  readonly database?: 'h2' | 'postgres';
  /** Topic names are `<topicPrefix>-<taskType>`. */
  readonly topicPrefix: string;
  readonly project?: string;
  /** More engine settings, over the local ones. */
  readonly engineSettings?: Readonly<Record<string, string>>;
  readonly onStatus?: (text: string) => void;
}

export interface RunningWorker extends ExampleWorker {
  readonly topic: string;
  readonly subscription: string;
  readonly deadLetterTopic: string;
  readonly function: RunningEchoFunction;
}

/** Something started that stop() must end, the last started first. */
type Stop = () => Promise<void>;

export class ExampleStack {
  readonly project: string;
  readonly workers = new Map<string, RunningWorker>();
  /** Every worker's log lines, parsed as they come. */
  readonly lines = new WorkerLines();
  emulator!: PubsubEmulator;
  engine!: RunningEngine;
  rest!: CamundaRest;

  private readonly stops: Stop[] = [];
  private readonly status: (text: string) => void;
  private childrenBefore = new Set<Child>();
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ExampleStackOptions) {
    this.project = options.project ?? 'local-project';
    this.status = options.onStatus ?? (() => undefined);
  }

  get runFolder(): string {
    return this.options.runFolder;
  }

  /** Starts every part in order; on a failure stops what started and rethrows. */
  async start(): Promise<void> {
    const ended = prepareRunFolder(this.runFolder, (folder) => removeClusterOf(join(folder, 'postgres')));
    if (ended.length > 0) this.status(`ended leftovers of a killed earlier run: ${ended.join(', ')}`);
    this.childrenBefore = new Set(runningChildren());
    try {
      this.status('starting the Pub/Sub emulator and the metadata endpoint');
      const emulator = this.track(
        startPubsubEmulator({ dataDir: join(this.runFolder, 'emulator'), project: this.project }),
        (started) => started.stop(),
      );
      const metadata = this.track(startMetadataServer(), (server) => server.close());
      // Both settled before a failure is thrown: the clean-up must find the other one tracked.
      const failed = (await Promise.allSettled([emulator, metadata])).find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      this.emulator = await emulator;
      const database = await this.startDatabase();
      this.status(`starting the engine (${database.type === 'h2' ? 'H2' : 'PostgreSQL'})`);
      this.engine = await this.track(
        startEngine({
          dataDir: join(this.runFolder, 'engine'),
          database,
          settings: {
            ...LOCAL_ENGINE_SETTINGS,
            METADATA_URL: (await metadata).url,
            PUBSUB_URL: this.emulator.url,
            ...this.options.engineSettings,
          },
        }),
        (started) => started.stop(),
      );
      this.rest = new CamundaRest(this.engine.restUrl);
      for (const worker of this.options.workers) await this.startWorker(worker);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Dead letters of every task type's dead-letter topic, pulled (and acknowledged) now. */
  async drainDeadLetters(): Promise<number> {
    let count = 0;
    for (const worker of this.workers.values()) {
      count += (await this.emulator.pull(`${worker.deadLetterTopic}-pull`)).length;
    }
    return count;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
      this.rememberChildren();
    })();
    return this.stopping;
  }

  private async startDatabase(): Promise<EngineDatabase> {
    if (this.options.database !== 'postgres')
      return { type: 'h2', file: join(this.runFolder, 'engine', 'h2', 'engine') };
    this.status('starting a throwaway PostgreSQL server');
    const server = await this.track(startPostgres({ dataDir: join(this.runFolder, 'postgres') }), (started) =>
      started.destroy({ keepLog: true }),
    );
    return { type: 'postgres', url: server.jdbcUrl, user: server.user, password: server.password };
  }

  /** The worker's function, then its topic, dead-letter topic (kept by a pull subscription) and push subscription. */
  private async startWorker(worker: ExampleWorker): Promise<void> {
    const topic = `${this.options.topicPrefix}-${worker.taskType}`;
    const deadLetterTopic = `${topic}-dead-letter`;
    const subscription = `${topic}-push`;
    this.status(`starting the ${worker.taskType} worker, topic ${topic}`);
    const fn = await this.track(
      startEchoFunction({
        engineUrl: this.engine.url,
        logFile: join(this.runFolder, `${worker.taskType}.log`),
        settings: {
          FUNCTION_SOURCE: worker.source,
          FUNCTION_TARGET: worker.target,
          MAX_DELIVERY_ATTEMPTS: String(LOCAL_SUBSCRIPTION.maxDeliveryAttempts),
        },
      }),
      (started) => started.stop(),
    );
    this.lines.follow(fn.child);
    const { emulator } = this;
    await emulator.createTopic(topic);
    await emulator.createTopic(deadLetterTopic);
    await emulator.createPullSubscription(`${deadLetterTopic}-pull`, deadLetterTopic);
    await emulator.createPushSubscription(subscription, topic, fn.pushEndpoint(emulator.topicPath(topic)), {
      ackDeadlineSeconds: LOCAL_SUBSCRIPTION.ackDeadlineSeconds,
      retryPolicy: LOCAL_SUBSCRIPTION.retryPolicy,
      deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: LOCAL_SUBSCRIPTION.maxDeliveryAttempts },
    });
    this.workers.set(worker.taskType, { ...worker, topic, subscription, deadLetterTopic, function: fn });
  }

  /** Waits for a part and registers how to stop it. */
  private async track<T>(starting: Promise<T>, stop: (part: T) => Promise<void>): Promise<T> {
    const part = await starting;
    this.stops.push(() => stop(part));
    this.rememberChildren();
    return part;
  }

  /** Writes the process ids down, for the next run in this folder to end if this one is killed. */
  private rememberChildren(): void {
    recordChildren(
      this.runFolder,
      runningChildren().filter((child) => !this.childrenBefore.has(child)),
    );
  }
}
