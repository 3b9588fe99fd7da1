/**
 * The end of a chaos run (run.ts): once the loops are stopped every published message must settle,
 * delivered, dead-lettered or accounted for otherwise, and the ledger is closed against the engine's
 * history (accounting.ts).
 */
import { existsSync, readFileSync } from 'node:fs';

import { ECHO_PROCESS_KEY } from '../local/loop-monitor';
import type { LocalStack } from '../local/stack';
import type { Ledger } from './accounting';
import { DEAD_LETTER_OF } from './dead-letter';

/** How long messages get to settle after the loops stopped: the subscription's longest backoff plus slack. */
const SETTLE_TIMEOUT_MS = 90_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SettlementOptions {
  readonly stack: LocalStack;
  readonly ledger: Ledger;
  readonly loops: readonly string[];
  readonly status: (message: string) => void;
  /** Whether the run was interrupted (Ctrl-C): then nothing is waited for any more. */
  readonly interrupted: () => boolean;
}

export class Settlement {
  constructor(private readonly options: SettlementOptions) {}

  /** Stops the loops, lets every message settle, asks the history about unseen replies, closes the ledger. */
  async settle(): Promise<void> {
    await this.stopLoops();
    await this.settleMessages();
    await this.consultHistory();
    this.options.ledger.finish(await this.completedEchos());
  }

  private async stopLoops(): Promise<void> {
    await this.options.stack.stopLoops(this.options.loops);
    for (const definition of ['EchoLoop', ECHO_PROCESS_KEY]) {
      const left = await this.options.stack.rest.count('process-instance', { processDefinitionKey: definition });
      if (left > 0)
        this.options.ledger.violate({
          what: 'not-stopped',
          detail: `${left} ${definition} instance(s) still running after StopEchoLoop`,
        });
    }
  }

  /** Waits until every published message settled (delivered, dead-lettered, ...), then rescues the stranded. */
  private async settleMessages(): Promise<void> {
    const { ledger, stack } = this.options;
    this.options.status('loops stopped; waiting for every published message to settle');
    const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      await stack.drainDeadLetters();
      for (const { messageId, deliveryCount } of deadLetters(stack.logs.deadLetters))
        if (!ledger.deadLettered.has(messageId)) ledger.recordDeadLetter(messageId, deliveryCount);
      if (ledger.unsettled().length === 0 || Date.now() > settleDeadline || this.options.interrupted()) break;
      await sleep(1_000);
    }
    if (ledger.unsettled().length > 0 && !this.options.interrupted()) await this.redeliverStranded();
  }

  /**
   * The emulator (0.8.20) now and then never pushes a message again after two failed pushes in quick
   * succession (an engine kill makes the function fail twice within a second); Pub/Sub would redeliver
   * it. Whatever the subscription still holds is handed to the function once (stack.pushHeldMessages),
   * and the function's log line settles it like any delivery. A message the emulator no longer holds
   * is judged by the books (Ledger.finish): dropped by the broker only with the evidence, else lost.
   */
  private async redeliverStranded(): Promise<void> {
    const { ledger } = this.options;
    this.options.status(
      `${ledger.unsettled().length} messages unsettled: handing what the emulator still holds to the function`,
    );
    for (const messageId of await this.options.stack.pushHeldMessages()) ledger.recordStranded(messageId);
    const deadline = Date.now() + 10_000;
    while (ledger.unsettled().length > 0 && Date.now() < deadline) await sleep(200);
  }

  /** A crash can hide an accepted reply from both observers; the engine's history is the last witness. */
  private async consultHistory(): Promise<void> {
    for (const unseen of this.options.ledger.unseenIterations()) {
      for (const id of unseen.processInstanceIds) {
        if ((await this.options.stack.rest.historicInstance(id))?.state === 'COMPLETED') {
          this.options.ledger.recordCompletedInHistory(unseen.loop, unseen.iteration);
          break;
        }
      }
    }
  }

  /** Completed PushTask instances per loop (business key = loop), from the history. */
  private async completedEchos(): Promise<Map<string, number>> {
    const completed = new Map<string, number>();
    for (const name of this.options.loops) {
      completed.set(
        name,
        await this.options.stack.rest.count('history/process-instance', {
          processDefinitionKey: ECHO_PROCESS_KEY,
          processInstanceBusinessKey: name,
          completed: true,
        }),
      );
    }
    return completed;
  }
}

/**
 * The dead letters drained so far: each message's id (the original's, for one the push proxy's
 * stand-in published) and how often it was tried before.
 */
function deadLetters(file: string): Array<{ messageId: string; deliveryCount?: number }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { messageId: string; attributes?: Record<string, string> })
    .map(({ messageId, attributes }) => {
      const count = Number(attributes?.CloudPubSubDeadLetterSourceDeliveryCount);
      const original = attributes?.[DEAD_LETTER_OF] ?? messageId;
      return { messageId: original, ...(Number.isFinite(count) && count > 0 ? { deliveryCount: count } : {}) };
    });
}
