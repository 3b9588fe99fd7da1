// The echo task on the push worker library: the payload EchoLoop sends ({loop, iteration, payload?})
// comes back as the task's result. Importing this module reads no environment variables, so tests
// and the local runner can build the worker with their own configuration.
import { pushWorker, type PushWorkerFunction, type PushWorkerOptions } from '@camunda-serverless/worker';
import { z } from 'zod';

/** Printable characters (no control characters), as the loop names EchoLoop's business keys are. */
const PRINTABLE = /^[^\p{Cc}]+$/u;

/** The task's payload as bpmn/EchoLoop.bpmn builds it. */
export const echoPayloadSchema = z.object({
  loop: z.string().min(1).max(100).regex(PRINTABLE, 'printable characters only'),
  iteration: z.int().min(0),
  payload: z.json().optional(),
});

export type EchoPayload = z.infer<typeof echoPayloadSchema>;

/** What a test or the local runner may set instead of the defaults (configuration from process.env, ...). */
export type EchoWorkerOverrides = Partial<Pick<PushWorkerOptions, 'config' | 'idTokens' | 'log' | 'now'>>;

/** The echo worker: returns the payload it got, and logs the loop and iteration of every delivery. */
export function echoWorker(overrides: EchoWorkerOverrides = {}): PushWorkerFunction {
  return pushWorker({
    taskType: 'echo',
    payload: echoPayloadSchema,
    handler: async (task) => task.payload,
    logFields: (payload) => ({ loop: payload.loop, iteration: payload.iteration }),
    ...overrides,
  });
}
