/**
 * The task type `reserve-stock` of the Orders process: reserves the ordered quantity, or raises the
 * business error `OutOfStock` when the stock cannot cover it, which the Orders process catches.
 */
import { BpmnError, type PushTask, type PushWorkerOptions } from '@camunda-serverless/worker';
import { z } from 'zod';

export const TASK_TYPE = 'reserve-stock';
export const OUT_OF_STOCK = 'OutOfStock';

/**
 * Stock per item, fixed: a reservation does not lower it, so every delivery of one order gets the same
 * answer. A real worker reserves in a database keyed by the order (or the task's requestId), so that a
 * redelivery reserves once. An item not listed has none.
 */
export const STOCK: Readonly<Record<string, number>> = {
  'espresso-beans': 100,
  'milk-frother': 2,
  grinder: 0,
  tamper: 20,
};

export const ReserveRequest = z.object({
  orderId: z.string().min(1),
  item: z.string().min(1),
  quantity: z.int().min(1),
});
export type ReserveRequest = z.infer<typeof ReserveRequest>;

export interface Reservation {
  readonly reservationId: string;
  readonly item: string;
  readonly quantity: number;
}

/** The message of the OutOfStock error for an order the stock cannot cover, or undefined when it can. */
export function shortage({ item, quantity }: Pick<ReserveRequest, 'item' | 'quantity'>): string | undefined {
  const inStock = STOCK[item] ?? 0;
  if (quantity <= inStock) return undefined;
  return `${item}: ${quantity} ordered, ${inStock === 0 ? 'none' : `only ${inStock}`} in stock`;
}

/** Reserves the order's quantity, or throws BpmnError OutOfStock with the shortage. */
export async function reserveStock(task: Pick<PushTask<ReserveRequest>, 'payload'>): Promise<Reservation> {
  const { orderId, item, quantity } = task.payload;
  const missing = shortage(task.payload);
  if (missing) throw new BpmnError(OUT_OF_STOCK, missing);
  return { reservationId: `R-${orderId}`, item, quantity };
}

/** Extra fields of the worker's log line: which order and item. */
export function logFields(payload: ReserveRequest): Record<string, string | number> {
  return { orderId: payload.orderId, item: payload.item, quantity: payload.quantity };
}

/** The worker: index.ts deploys it as it is; tests add their own config and log. */
export const reserveStockWorker = {
  taskType: TASK_TYPE,
  payload: ReserveRequest,
  handler: reserveStock,
  logFields,
} satisfies PushWorkerOptions<typeof ReserveRequest>;
