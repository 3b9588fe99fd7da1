/** The few parts of camunda-external-task-client-js (an ES module without types) that the worker uses. */
declare module 'camunda-external-task-client-js' {
  export interface ClientOptions {
    baseUrl: string;
    workerId?: string;
    maxTasks?: number;
    interval?: number;
    lockDuration?: number;
    autoPoll?: boolean;
    asyncResponseTimeout?: number;
  }
  export interface Task {
    readonly id: string;
    readonly processInstanceId: string;
    /** The business key of the task's process instance (EchoPull gets its loop's). */
    readonly businessKey?: string | null;
  }
  export interface TaskService {
    complete(task: Task, processVariables?: Variables): Promise<void>;
  }
  export class Variables {
    set(name: string, value: unknown): this;
  }
  export class Client {
    constructor(options: ClientOptions);
    subscribe(
      topic: string,
      handler: (args: { task: Task; taskService: TaskService }) => Promise<void> | void,
    ): unknown;
    start(): void;
    stop(): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
