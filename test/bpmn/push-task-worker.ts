/**
 * What the PushTask tests share: the engine with PushTask checked to be packaged as on disk, the caller
 * fixture, and the test's worker, which reads the task from the published message and answers through
 * POST /engine-rest/message as the push contract (version 1) says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startMetadataServer, type MetadataServer } from '../../local/metadata-server';
import { BPMN_DIR, type TestEngine } from '../support/bpmn-engine';
import { eventually, type Camunda, type TypedVariables } from '../support/camunda';
import { FakePubsub, type PublishedMessage } from '../support/fake-pubsub';

/** The data of a published task (contract §2). */
export interface PushTaskMessage {
  version: number;
  taskType: string;
  processInstanceId: string;
  requestId: string;
  sentAt: string;
  deadline?: string;
  payload?: unknown;
}

export type Reply =
  | { outcome: 'completed'; result?: unknown }
  | { outcome: 'error'; code: string; message: string }
  | { outcome: 'failed'; message: string };

export const taskOf = (message: PublishedMessage): PushTaskMessage => JSON.parse(message.data) as PushTaskMessage;

/** The reply body a worker sends (contract §3); `extra` overrides or adds process variables. */
export function replyBody(task: PushTaskMessage, reply: Reply, extra: TypedVariables = {}): Record<string, unknown> {
  const processVariables: TypedVariables = {
    pushContractVersion: { value: 1, type: 'Integer' },
    pushOutcome: { value: reply.outcome, type: 'String' },
  };
  if (reply.outcome === 'completed') {
    processVariables.result =
      reply.result === undefined || reply.result === null
        ? { value: null, type: 'Null' }
        : { value: JSON.stringify(reply.result), type: 'Json' };
  } else {
    if (reply.outcome === 'error') processVariables.pushErrorCode = { value: reply.code, type: 'String' };
    processVariables.pushErrorMessage = { value: reply.message, type: 'String' };
  }
  return { ...correlation('PushTaskReply', task), processVariables: { ...processVariables, ...extra } };
}

const correlation = (messageName: string, task: PushTaskMessage) => ({
  messageName,
  processInstanceId: task.processInstanceId,
  correlationKeys: { requestId: { value: task.requestId, type: 'String' } },
});

/** POSTs to /engine-rest/message as a worker does: a 500 (optimistic locking) is sent again at once. */
export async function postMessage(restUrl: string, body: Record<string, unknown>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${restUrl}/message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status < 500 || attempt >= 20) {
      if (response.status === 400 && !text.includes('No process definition or execution matches')) {
        throw new Error(`POST /message answered 400 for another reason: ${text}`);
      }
      return response.status;
    }
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
}

/** One PushTask test file's world: a metadata server, a fake Pub/Sub and the engine the file starts, with the caller fixture. */
export class PushTaskWorld {
  readonly pubsub = new FakePubsub();
  metadata!: MetadataServer;
  engine!: TestEngine;

  get camunda(): Camunda {
    return this.engine.camunda;
  }

  get restUrl(): string {
    return this.engine.engine.restUrl;
  }

  /** Starts the metadata server and the fake Pub/Sub; resolves with the options of the engine that uses them. */
  async startStandIns(): Promise<{ settings: Record<string, string>; fixtures: string[] }> {
    this.metadata = await startMetadataServer();
    await this.pubsub.start();
    return { settings: { METADATA_URL: this.metadata.url, PUBSUB_URL: this.pubsub.url }, fixtures: ['PushTaskCaller'] };
  }

  /** Uses this engine (started with startStandIns' options), once it runs bpmn/PushTask.bpmn as it is on disk. */
  async attach(engine: TestEngine): Promise<void> {
    this.engine = engine;
    await this.expectPushTaskAsOnDisk();
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
    await this.pubsub.close();
    await this.metadata?.close();
  }

  async reset(): Promise<void> {
    await this.camunda?.deleteAll(['PushTaskCaller', 'PushTask']);
    this.pubsub.reset();
  }

  /** The tasks published for a PushTask instance (or all of them), once there are at least `count`. */
  published(count = 1, processInstanceId?: string): Promise<PushTaskMessage[]> {
    return eventually(`${count} published task(s)`, async () => {
      const tasks = this.pubsub.published
        .map(taskOf)
        .filter((t) => processInstanceId === undefined || t.processInstanceId === processInstanceId);
      return tasks.length >= count ? tasks : undefined;
    });
  }

  reply(task: PushTaskMessage, reply: Reply, extra?: TypedVariables): Promise<number> {
    return postMessage(this.restUrl, replyBody(task, reply, extra));
  }

  /** A heartbeat, as the contract says: a PushTaskReply "working", its two variables transient. */
  heartbeat(task: PushTaskMessage): Promise<number> {
    const transient = { transient: true };
    return postMessage(this.restUrl, {
      ...correlation('PushTaskReply', task),
      processVariables: {
        pushContractVersion: { value: 1, type: 'Integer', valueInfo: transient },
        pushOutcome: { value: 'working', type: 'String', valueInfo: transient },
      },
    });
  }

  /** Waiting: for the reply (or a heartbeat) or the one timer (the publish goes out once this wait has committed). */
  waitingForReply(processInstanceId: string): Promise<string[]> {
    return eventually(`${processInstanceId} to wait for its reply`, async () => {
      const current = await this.camunda.currentActivities(processInstanceId);
      return current.includes('Activity_AwaitReply') ? current : undefined;
    });
  }

  /** Until the caller waits in one of its two end activities; resolves with its variables. */
  callerAt(callerId: string, activity: 'Activity_Done' | 'Activity_Caught'): Promise<TypedVariables> {
    return eventually(`the caller to reach ${activity}`, async () => {
      const current = await this.camunda.currentActivities(callerId);
      return current.join() === activity ? await this.camunda.typedVariables(callerId) : undefined;
    });
  }

  ended(processInstanceId: string): Promise<true> {
    return eventually(`${processInstanceId} to end`, async () =>
      (await this.camunda.isRunning(processInstanceId)) ? undefined : true,
    );
  }

  /** Deploys bpmn/PushTask.bpmn from source (BPMN_TEST_DEPLOY_SOURCES=1), else checks the jar holds it as on disk. */
  private async expectPushTaskAsOnDisk(): Promise<void> {
    const file = join(BPMN_DIR, 'PushTask.bpmn');
    if (process.env.BPMN_TEST_DEPLOY_SOURCES === '1') {
      await this.camunda.deployFiles('PushTask source', [file]);
      return;
    }
    const answer = await this.camunda.request<{ bpmn20Xml?: string }>('GET', '/process-definition/key/PushTask/xml');
    if (answer.body?.bpmn20Xml !== readFileSync(file, 'utf8')) {
      await this.engine.stop();
      throw new Error('the engine jar does not hold bpmn/PushTask.bpmn as it is on disk: run `npm run engine:build`');
    }
  }
}
