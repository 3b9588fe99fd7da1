/**
 * The engines of a local stack on one database, behind one front (engine-front.ts), as the instances
 * of a Cloud Run service: the first starts with the stack; more can join (each on its own port, with
 * its own folder and log, engine-2/, engine-3/, ...) and leave, and one can be restarted on its port.
 * Engines start one at a time safely on one database, also while others run (a PostgreSQL advisory
 * lock in the engine, docker/camunda/README.md).
 */
import { EngineFront } from './engine-front';
import { startEngine, type EngineOptions, type RunningEngine } from './engine';
import type { RestartOptions } from './stack-types';

/** Cloud Run's grace after SIGTERM before it kills an instance. */
export const ENGINE_STOP_GRACE_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EnginePool {
  readonly front = new EngineFront();
  private readonly running: RunningEngine[] = [];
  private readonly optionsOf = new Map<RunningEngine, EngineOptions>();
  private started = 0;

  /** `options.dataDir` is the first engine's folder; later ones get siblings numbered from 2. */
  constructor(private readonly options: EngineOptions) {}

  /** Starts the first engine and the front before it. */
  async start(): Promise<void> {
    const first = await this.add();
    await this.front.start(first.url);
  }

  /** The engines now serving, in order of joining. */
  get engines(): readonly RunningEngine[] {
    return this.running;
  }

  /** The engine that joined last (a restart keeps its place): the stack's `engine`. */
  get newest(): RunningEngine {
    const engine = this.running[this.running.length - 1];
    if (!engine) throw new Error('no engine is running (every instance was stopped)');
    return engine;
  }

  /** Starts one more engine on a free port and routes requests to it once it is ready. */
  async add(): Promise<RunningEngine> {
    this.started += 1;
    const dataDir = this.started === 1 ? this.options.dataDir : `${this.options.dataDir}-${this.started}`;
    const options: EngineOptions = { ...this.options, dataDir };
    const engine = await startEngine(options);
    this.enlist(engine, options);
    return engine;
  }

  /**
   * Takes an engine out of the front, then ends it: SIGTERM with Cloud Run's 10 s grace before
   * SIGKILL (a revision change, a scale-in), or SIGKILL at once (a crash). Resolves with its exit code, or the signal that ended it.
   */
  async remove(engine: RunningEngine, signal: RestartOptions['signal'] = 'SIGTERM'): Promise<number | string> {
    this.front.remove(engine.url);
    this.delist(engine);
    await (signal === 'SIGKILL' ? engine.child.kill() : engine.child.stop(ENGINE_STOP_GRACE_MS));
    return engine.child.exited;
  }

  /** Ends an engine and starts it again on the same port and folder; the front keeps routing to that port. */
  async restart(engine: RunningEngine, restart: RestartOptions = {}): Promise<RunningEngine> {
    const options = { ...(this.optionsOf.get(engine) ?? this.options), port: engine.port };
    await (restart.signal === 'SIGTERM' ? engine.stop() : engine.child.kill());
    await sleep(restart.downMs ?? 0);
    const restarted = await startEngine(options);
    const place = this.running.indexOf(engine);
    this.delist(engine);
    this.running.splice(place < 0 ? this.running.length : place, 0, restarted);
    this.optionsOf.set(restarted, options);
    return restarted;
  }

  /** Ends every engine (SIGTERM, as the stack stops) and the front. */
  async stop(): Promise<void> {
    await Promise.all([...this.running].map((engine) => this.remove(engine)));
    await this.front.close();
  }

  private enlist(engine: RunningEngine, options: EngineOptions): void {
    this.running.push(engine);
    this.optionsOf.set(engine, options);
    this.front.add(engine.url);
  }

  private delist(engine: RunningEngine): void {
    const place = this.running.indexOf(engine);
    if (place >= 0) this.running.splice(place, 1);
    this.optionsOf.delete(engine);
  }
}
