/**
 * The pull side's worker: the official camunda-external-task-client-js, fetching and completing the
 * external task of EchoPull. Two settings are compared:
 * - default: the client's own defaults (a short fetch every `interval` = 300 ms, up to 10 tasks);
 * - long: long polling as Camunda recommends (asyncResponseTimeout 10 s: the engine holds the fetch
 *   open and answers as soon as a task appears), with interval 0, because the client otherwise
 *   still waits its 300 ms after every answer before it asks again.
 */
import { Client, Variables, type ClientOptions } from 'camunda-external-task-client-js';

import type { ReplyLine } from '../round-trips';
import { PULL_TOPIC } from './processes';

export type PullSettings = 'default' | 'long';

export function clientOptions(engineRestUrl: string, settings: PullSettings): ClientOptions {
  const base = { baseUrl: engineRestUrl, workerId: `bench-${settings}` };
  return settings === 'default' ? base : { ...base, asyncResponseTimeout: 10_000, interval: 0 };
}

export interface PullWorker {
  readonly settings: PullSettings;
  readonly completed: number;
  readonly errors: number;
  stop(): void;
}

/**
 * `onReply` hears of every completed task once its complete call was answered: the loop (the task's
 * business key), when, and how long the complete call took (bench/round-trips.ts).
 */
export function startPullWorker(
  engineRestUrl: string,
  settings: PullSettings,
  onReply: (line: ReplyLine) => void = () => undefined,
): PullWorker {
  const client = new Client(clientOptions(engineRestUrl, settings));
  let completed = 0;
  let errors = 0;
  client.on('complete:error', () => (errors += 1));
  client.on('poll:error', () => (errors += 1));
  client.subscribe(PULL_TOPIC, async ({ task, taskService }) => {
    // As the echo function answers: a result variable on the called instance, which EchoLoop does not map back.
    const started = performance.now();
    await taskService.complete(task, new Variables().set('result', `{"echo":"${task.processInstanceId}"}`));
    const completeMs = Math.round((performance.now() - started) * 10) / 10;
    completed += 1;
    onReply({ loop: task.businessKey ?? task.processInstanceId, at: Date.now(), completeMs });
  });
  return {
    settings,
    get completed() {
      return completed;
    },
    get errors() {
      return errors;
    },
    stop: () => client.stop(),
  };
}
