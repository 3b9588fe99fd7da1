/**
 * The task type `price-order` of the Orders process: the price of an order from a fixed price list.
 * It fails the first delivery of every task, on purpose, to show a technical failure and Pub/Sub's
 * redelivery at work: the next delivery prices the order.
 */
import type { PushTask, PushWorkerOptions } from '@camunda-serverless/worker';
import { z } from 'zod';

export const TASK_TYPE = 'price-order';

/** Unit prices in EUR. An item not listed is not for sale: the payload fails the schema. */
export const PRICES = {
  'espresso-beans': 12.5,
  'milk-frother': 89,
  grinder: 149,
  tamper: 24.9,
} as const;

export type Item = keyof typeof PRICES;

export const PriceRequest = z.object({
  orderId: z.string().min(1),
  item: z.enum(Object.keys(PRICES) as [Item, ...Item[]]),
  quantity: z.int().min(1),
});
export type PriceRequest = z.infer<typeof PriceRequest>;

export interface Price {
  readonly currency: 'EUR';
  readonly unitPrice: number;
  readonly total: number;
}

/** How many request ids a worker remembers (the oldest are forgotten first): bounded memory. */
export const REMEMBERED_REQUESTS = 10_000;

/**
 * The handler: prices the order, except the first time this copy of the function sees a task's
 * requestId, which fails as a price list still loading would, so that Pub/Sub delivers it again.
 * Keyed on the requestId, which every delivery and every re-publish of one task carries: a redelivery
 * to the same copy always succeeds. (Not on deliveryAttempt: the emulator's pushes carry none, nor
 * do a subscription's without a dead-letter policy.) A redelivery that reaches another copy of the
 * function fails once more there: at most once per copy.
 */
export function createPriceOrder(): (task: Pick<PushTask<PriceRequest>, 'payload' | 'requestId'>) => Promise<Price> {
  const seen = new Set<string>();
  return async (task) => {
    if (!seen.has(task.requestId)) {
      seen.add(task.requestId);
      if (seen.size > REMEMBERED_REQUESTS) seen.delete(seen.values().next().value as string);
      throw new Error(
        'price list not loaded yet (this example fails the first delivery of every task, to show a redelivery)',
      );
    }
    return priceOf(task.payload);
  };
}

export function priceOf({ item, quantity }: Pick<PriceRequest, 'item' | 'quantity'>): Price {
  const unitPrice = PRICES[item];
  return { currency: 'EUR', unitPrice, total: Math.round(unitPrice * quantity * 100) / 100 };
}

/** Extra fields of the worker's log line: which order and item. */
export function logFields(payload: PriceRequest): Record<string, string | number> {
  return { orderId: payload.orderId, item: payload.item, quantity: payload.quantity };
}

/** The worker, with a memory of its own: index.ts deploys it as it is; tests add their own config and log. */
export function priceOrderWorker() {
  return {
    taskType: TASK_TYPE,
    payload: PriceRequest,
    handler: createPriceOrder(),
    logFields,
  } satisfies PushWorkerOptions<typeof PriceRequest>;
}
