/**
 * `npm run local -- --example orders`: the Orders example (examples/orders) on the example stack
 * (local/example-stack.ts). Deploys Orders.bpmn through REST, starts a mix of orders of which some go
 * out of stock, waits until every one has ended (or the deadline passes) and reports how each ended,
 * read from the engine's history (the run's engine keeps it at level audit), and what the workers did,
 * read from their log lines.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Variables } from './camunda-rest';
import { ExampleStack, type ExampleWorker } from './example-stack';
import { countLines, type WorkerCounts, type WorkerLine } from './example-worker-lines';

export const ORDERS_EXAMPLE = resolve(__dirname, '..', 'examples', 'orders');

export const ORDERS_WORKERS: readonly ExampleWorker[] = [
  { taskType: 'price-order', source: workerSource('price-order'), target: 'priceOrder' },
  { taskType: 'reserve-stock', source: workerSource('reserve-stock'), target: 'reserveStock' },
];

/** Items the run orders, in turn: the workers' price list and stock decide which go out of stock. */
export const ORDER_ITEMS = ['espresso-beans', 'milk-frother', 'grinder', 'tamper'] as const;

export interface Order {
  readonly orderId: string;
  readonly item: string;
  readonly quantity: number;
}

/** Order i orders item i mod 4, quantity 1 to 3 in turn: the same mix at every run. */
export function orderMix(count: number): Order[] {
  return Array.from({ length: count }, (_, i) => ({
    orderId: `order-${i + 1}`,
    item: ORDER_ITEMS[i % ORDER_ITEMS.length],
    quantity: 1 + (i % 3),
  }));
}

export interface OrdersRunOptions {
  readonly orders: number;
  readonly deadlineMs: number;
  readonly onStatus?: (text: string) => void;
}

/** How one order ended, from the history: its end event and variables. */
export interface OrderOutcome extends Order {
  readonly processInstanceId: string;
  readonly end?: 'confirmed' | 'back-ordered';
  readonly price?: unknown;
  readonly reservation?: unknown;
  readonly outOfStockMessage?: string;
}

export interface OrdersSummary {
  readonly orders: number;
  readonly ended: number;
  readonly confirmed: number;
  readonly backOrdered: number;
  readonly incidents: number;
  readonly incidentMessages: readonly string[];
  readonly deadLettered: number;
  readonly workers: WorkerCounts;
  readonly durationMs: number;
  readonly problems: readonly string[];
}

export interface OrdersReport {
  readonly summary: OrdersSummary;
  readonly orders: readonly OrderOutcome[];
  readonly deliveries: readonly WorkerLine[];
}

const END_EVENTS: Record<string, OrderOutcome['end']> = {
  Event_OrderConfirmed: 'confirmed',
  Event_OrderBackOrdered: 'back-ordered',
};

/** The example's stack: both workers, topics `orders-<taskType>`, history at level audit for the report. */
export function ordersStack(options: {
  runFolder: string;
  database?: 'h2' | 'postgres';
  onStatus?: (text: string) => void;
}) {
  return new ExampleStack({
    ...options,
    workers: ORDERS_WORKERS,
    topicPrefix: 'orders',
    engineSettings: { HISTORY_LEVEL: 'audit' },
  });
}

/** Deploys Orders, starts the orders, waits until all ended or the deadline, and reports. */
export async function runOrders(stack: ExampleStack, options: OrdersRunOptions): Promise<OrdersReport> {
  const status = options.onStatus ?? (() => undefined);
  const problems: string[] = [];
  let running = true;
  for (const worker of stack.workers.values()) {
    void worker.function.child.exited.then(
      (code) => running && problems.push(`${worker.taskType} worker exited (${code}) during the run: see its log`),
    );
  }
  const xml = readFileSync(join(ORDERS_EXAMPLE, 'bpmn', 'Orders.bpmn'), 'utf8');
  await stack.rest.expectOk('POST', '/deployment/create', deploymentForm(xml));
  const orders = orderMix(options.orders);
  const started = Date.now();
  const ids = new Map<string, Order>();
  for (const order of orders) {
    const instance = await stack.rest.startProcess('Orders', {
      businessKey: order.orderId,
      variables: startVariables(order, stack),
    });
    ids.set(instance.id, order);
  }
  status(`${orders.length} orders started; waiting up to ${options.deadlineMs / 1000} s for all to end`);
  const ended = await waitForEnds(stack, orders.length, started + options.deadlineMs, () => problems.length > 0);
  const durationMs = Date.now() - started;
  running = false;
  if (ended < orders.length) problems.push(`${orders.length - ended} orders still open after the deadline`);
  const outcomes = await outcomesOf(stack, ids);
  const incidents = await stack.rest.incidents();
  const summary: OrdersSummary = {
    orders: orders.length,
    ended,
    confirmed: outcomes.filter((o) => o.end === 'confirmed').length,
    backOrdered: outcomes.filter((o) => o.end === 'back-ordered').length,
    incidents: incidents.length,
    incidentMessages: incidents.slice(0, 3).map((i) => `${i.activityId}: ${i.incidentMessage}`),
    deadLettered: await stack.drainDeadLetters(),
    workers: countLines(stack.lines.lines),
    durationMs,
    problems: [...problems],
  };
  return { summary, orders: outcomes, deliveries: [...stack.lines.lines] };
}

/** Every order ended, each at one of its end events, no incident and no process died. */
export function ordersHealthy(summary: OrdersSummary): boolean {
  return (
    summary.ended === summary.orders &&
    summary.confirmed + summary.backOrdered === summary.orders &&
    summary.incidents === 0 &&
    summary.problems.length === 0
  );
}

export function ordersSummaryText(summary: OrdersSummary, logsHint: string): string {
  const workers = Object.entries(summary.workers.outcomes)
    .map(
      ([taskType, outcomes]) =>
        `${taskType} ${Object.entries(outcomes)
          .map(([o, n]) => `${n} ${o}`)
          .join(', ')}`,
    )
    .join('; ');
  return [
    `orders: ${summary.orders} started, ${summary.ended} ended in ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  ${summary.confirmed} confirmed, ${summary.backOrdered} back-ordered (OutOfStock caught)`,
    `  deliveries: ${workers || 'none'}`,
    `  redeliveries ${summary.workers.redeliveries} (retries asked for ${summary.workers.retries}), dead letters ${summary.deadLettered}, incidents ${summary.incidents}`,
    ...summary.incidentMessages.map((message) => `  incident ${message}`),
    ...summary.problems.map((problem) => `  PROBLEM: ${problem}`),
    `  verdict: ${ordersHealthy(summary) ? 'OK' : 'NOT OK'}`,
    `  logs: ${logsHint}`,
  ].join('\n');
}

function workerSource(name: string): string {
  return join(ORDERS_EXAMPLE, 'workers', name, 'src', 'index.ts');
}

function deploymentForm(xml: string): FormData {
  const form = new FormData();
  form.set('deployment-name', 'orders-example');
  form.set('enable-duplicate-filtering', 'true');
  form.set('Orders.bpmn', new Blob([xml], { type: 'application/xml' }), 'Orders.bpmn');
  return form;
}

function startVariables(order: Order, stack: ExampleStack): Variables {
  const text = (value: string) => ({ value, type: 'String' });
  return {
    orderId: text(order.orderId),
    item: text(order.item),
    quantity: { value: order.quantity, type: 'Integer' },
    project: text(stack.project),
    priceOrderTopic: text(stack.workers.get('price-order')!.topic),
    reserveStockTopic: text(stack.workers.get('reserve-stock')!.topic),
  };
}

/** Ended Orders instances once all have, the deadline passed or `stop` says so. */
async function waitForEnds(stack: ExampleStack, expected: number, deadline: number, stop: () => boolean) {
  for (;;) {
    const ended = await stack.rest.count('history/process-instance', {
      processDefinitionKey: 'Orders',
      finished: true,
    });
    if (ended >= expected || Date.now() >= deadline || stop()) return ended;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function outcomesOf(stack: ExampleStack, ids: Map<string, Order>): Promise<OrderOutcome[]> {
  const ends = await stack.rest.expectOk<Array<{ processInstanceId: string; activityId: string }>>(
    'GET',
    '/history/activity-instance?processDefinitionKey=Orders&activityType=noneEndEvent&finished=true',
  );
  const variables = await stack.rest.expectOk<Array<{ processInstanceId: string; name: string; value: unknown }>>(
    'POST',
    '/history/variable-instance?deserializeValues=false',
    { processInstanceIdIn: [...ids.keys()] },
  );
  return [...ids].map(([processInstanceId, order]) => {
    const own = (name: string) =>
      variables.find((v) => v.processInstanceId === processInstanceId && v.name === name)?.value;
    const endEvent = ends.find((e) => e.processInstanceId === processInstanceId)?.activityId;
    const end = endEvent === undefined ? undefined : END_EVENTS[endEvent];
    const message = own('outOfStockMessage');
    return {
      ...order,
      processInstanceId,
      ...(end ? { end } : {}),
      ...(own('price') !== undefined ? { price: jsonOf(own('price')) } : {}),
      ...(own('reservation') !== undefined ? { reservation: jsonOf(own('reservation')) } : {}),
      ...(typeof message === 'string' ? { outOfStockMessage: message } : {}),
    };
  });
}

/** A Json variable as the history answers it without deserializing: its JSON text. */
function jsonOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
