/**
 * The types of the local stack (stack.ts): how to start it and what a running one offers.
 */
import type { CamundaRest } from './camunda-rest';
import type { DeliveryLine, DeliveryStats } from './deliveries';
import type { RunningEchoFunction } from './echo-function';
import type { RunningEngine } from './engine';
import type { MetadataServer } from './metadata-server';
import type { RunningPostgres } from './postgres';
import type { PubsubEmulator, RetryPolicy } from './pubsub-emulator';

export type DatabaseChoice =
  | { readonly type: 'h2' }
  /**
   * A throwaway PostgreSQL server: its log in the run folder, its cluster under the temp folder
   * (local/postgres.ts); `statementStats` loads pg_stat_statements, for the benchmark's statements per round trip.
   */
  | { readonly type: 'postgres'; readonly statementStats?: boolean }
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
  /** The push subscription's delivery attempts before the dead-letter topic, instead of LOCAL_SUBSCRIPTION's (5 to 100). */
  readonly maxDeliveryAttempts?: number;
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
  /** The engine that joined last (restartEngine replaces it in place). */
  readonly engine: RunningEngine;
  /** Every engine now serving behind the front, in order of joining. */
  readonly runningEngines: readonly RunningEngine[];
  /**
   * The front before the engines (local/engine-front.ts): one stable base URL, routing round-robin
   * over the engines serving. The function's replies and `rest` go through it.
   */
  readonly engineFrontUrl: string;
  /** How many requests (replies and REST calls) this engine answered through the front so far. */
  requestsAnsweredBy(engine: RunningEngine): number;
  /** The requests this engine holds now through the front: sent to it, not yet answered. */
  requestsInFlightAt(engine: RunningEngine): number;
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
  /** Starts one more engine on the same database (its own port, folder and log) and routes to it once ready. */
  addEngine(): Promise<RunningEngine>;
  /**
   * Takes an engine out of the front, then ends it: SIGTERM with Cloud Run's 10 s grace before SIGKILL
   * (default), or SIGKILL at once. Resolves with its exit code, or the signal that ended it.
   */
  removeEngine(engine: RunningEngine, signal?: RestartOptions['signal']): Promise<number | string>;
  /** Ends the function (SIGKILL by default) and starts it again on the same port. */
  restartFunction(options?: RestartOptions): Promise<void>;
  /** Ends every process of the stack; safe to call more than once. */
  stop(): Promise<void>;
}
