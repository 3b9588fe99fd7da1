// task.heartbeat(): tells PushTask the worker is still at it, which re-arms its re-publish timer, so
// that a long task is not published again while it runs. A heartbeat never fails the task: one the
// engine does not take is logged as a WARNING and the handler goes on.
import type { WorkerConfig } from './config';
import { postMessage, type IdTokenSource } from './engine-client';
import type { MessageFields, WorkerLogger } from './log';
import type { ReplyAddress } from './message';
import { heartbeatBody } from './replies';

export interface HeartbeatSettings {
  readonly config: WorkerConfig;
  readonly idTokens?: IdTokenSource;
  readonly log: WorkerLogger;
  readonly now: () => number;
}

/** The heartbeat function of one task; `fields` go on its WARNING line. */
export function heartbeatFor(
  address: ReplyAddress,
  fields: MessageFields,
  settings: HeartbeatSettings,
): () => Promise<void> {
  const { config, idTokens, log, now } = settings;
  return async () => {
    try {
      const answer = await postMessage(heartbeatBody(address), config, { idTokens, now });
      if (answer.disposition === 'stored') return;
      // 400: nothing waits for it (a publish still runs, the task timed out, a duplicate delivery).
      const refused = answer.disposition === 'duplicate';
      log({
        severity: 'WARNING',
        message: refused ? `heartbeat refused: ${answer.detail}` : `heartbeat not delivered: ${answer.detail}`,
        heartbeat: refused ? 'refused' : 'failed',
        ...fields,
        engineStatus: answer.engineStatus,
        engineMs: answer.engineMs,
        conflicts: answer.conflicts || undefined,
      });
    } catch (error) {
      // postMessage does not throw; a throwing logger must not fail the task either.
      void error;
    }
  };
}
