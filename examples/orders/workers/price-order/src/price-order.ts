/**
 * The task type `price-order` of the Orders process: the price of an order from a fixed price list.
 * It fails on every first delivery, on purpose, to show a technical failure and Pub/Sub's redelivery
 * at work: the second delivery prices the order.
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

/**
 * Prices the order, except on the first delivery of a message, which fails as a price list still
 * loading would. Chosen on deliveryAttempt, which Pub/Sub sends with every delivery, so it is the same
 * for every copy of the function and survives its restarts: a redelivery always succeeds. Without a
 * dead-letter policy (or registered with functions.cloudEvent, whose conversion of a plain push drops
 * the count) the worker never learns the attempt, and never fails.
 */
export async function priceOrder(task: Pick<PushTask<PriceRequest>, 'payload' | 'deliveryAttempt'>): Promise<Price> {
  if (task.deliveryAttempt === 1) {
    throw new Error('price list not loaded yet (this example fails every first delivery, to show a redelivery)');
  }
  return priceOf(task.payload);
}

export function priceOf({ item, quantity }: Pick<PriceRequest, 'item' | 'quantity'>): Price {
  const unitPrice = PRICES[item];
  return { currency: 'EUR', unitPrice, total: Math.round(unitPrice * quantity * 100) / 100 };
}

/** Extra fields of the worker's log line: which order and item. */
export function logFields(payload: PriceRequest): Record<string, string | number> {
  return { orderId: payload.orderId, item: payload.item, quantity: payload.quantity };
}

/** The worker: index.ts deploys it as it is; tests add their own config and log. */
export const priceOrderWorker = {
  taskType: TASK_TYPE,
  payload: PriceRequest,
  handler: priceOrder,
  logFields,
} satisfies PushWorkerOptions<typeof PriceRequest>;
