/**
 * The Orders example (examples/orders) end to end, as `npm run local -- --example orders` runs it: the
 * real engine (H2), the Pub/Sub emulator and both workers in the Functions Framework. A handful of
 * orders, some of them beyond the stock: every order must end, those out of stock on the catch path
 * with the worker's own message, the others confirmed with their price; price-order's first delivery
 * of each order fails and its redelivery prices it; no incident, nothing dead-lettered.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { priceOf, type Item } from '../../examples/orders/workers/price-order/src/price-order';
import { shortage } from '../../examples/orders/workers/reserve-stock/src/reserve-stock';
import { ordersHealthy, ordersStack, runOrders, type OrdersReport } from '../../local/example-orders';
import type { ExampleStack } from '../../local/example-stack';
import { isAlive } from '../../local/processes';

/** order-1 .. order-6: espresso-beans 1, milk-frother 2, grinder 3 (none in stock), tamper 1, espresso-beans 2, milk-frother 3 (only 2). */
const ORDERS = 6;

describe('the Orders example end to end: engine, emulator and both workers', function () {
  this.timeout(300_000);

  let runFolder: string;
  let stack: ExampleStack | undefined;
  let report: OrdersReport;

  before(async function () {
    this.timeout(150_000);
    runFolder = mkdtempSync(join(tmpdir(), 'camunda-serverless-orders-'));
    stack = ordersStack({ runFolder });
    await stack.start();
    // Pub/Sub redelivers price-order after its 10 s minimum backoff; the deadline leaves room for a re-publish.
    report = await runOrders(stack, { orders: ORDERS, deadlineMs: 200_000 });
  });

  after(async () => {
    await stack?.stop();
    // KEEP_LOCAL_RUN=1 keeps the logs for a look after a failure.
    if (!process.env.KEEP_LOCAL_RUN) rmSync(runFolder, { recursive: true, force: true });
  });

  it('ends every order, without incident, dead letter or a process that died', () => {
    expect(report.summary).to.deep.include({ orders: ORDERS, ended: ORDERS, incidents: 0, deadLettered: 0 });
    expect(report.summary.problems).to.deep.equal([]);
    expect(ordersHealthy(report.summary)).to.equal(true);
  });

  it("back-orders each order beyond the stock with the worker's OutOfStock message, and confirms the others at their price", () => {
    const backOrdered = report.orders.filter((order) => shortage(order) !== undefined);
    expect(backOrdered.map((order) => order.orderId)).to.deep.equal(['order-3', 'order-6']);
    for (const order of report.orders) {
      const missing = shortage(order);
      if (missing) {
        expect(order, order.orderId).to.deep.include({ end: 'back-ordered', outOfStockMessage: missing });
        expect(order.reservation ?? null, order.orderId).to.equal(null);
      } else {
        expect(order, order.orderId).to.deep.include({
          end: 'confirmed',
          reservation: { reservationId: `R-${order.orderId}`, item: order.item, quantity: order.quantity },
        });
        expect(order.outOfStockMessage, order.orderId).to.equal(undefined);
      }
      // Priced either way: the price comes before the reservation.
      expect(order.price, order.orderId).to.deep.equal(priceOf({ item: order.item as Item, quantity: order.quantity }));
    }
    expect(report.summary).to.deep.include({ confirmed: ORDERS - backOrdered.length, backOrdered: backOrdered.length });
  });

  it('has price-order fail the first delivery of every order and price it when Pub/Sub delivers it again', () => {
    for (const { orderId } of report.orders) {
      const lines = report.deliveries.filter((line) => line.taskType === 'price-order' && line.orderId === orderId);
      const firstRetry = lines.findIndex((line) => line.outcome === 'retry');
      // The same message again: Pub/Sub redelivered what the worker refused.
      const priced = lines.findIndex(
        (line) => line.outcome === 'completed' && line.messageId === lines[firstRetry]?.messageId,
      );
      expect(firstRetry, `${orderId}: ${JSON.stringify(lines)}`).to.be.at.least(0);
      expect(priced, `${orderId}: ${JSON.stringify(lines)}`).to.be.greaterThan(firstRetry);
    }
    expect(report.summary.workers.redeliveries).to.be.at.least(ORDERS);
    expect(report.summary.workers.retries).to.be.at.least(ORDERS);
    const reserve = report.summary.workers.outcomes['reserve-stock'];
    expect(reserve).to.include({ completed: 4, error: 2 });
  });

  it('ends every process it started', async () => {
    const pids = [...stack!.workers.values()].map((worker) => worker.function.child.process.pid!);
    pids.push(stack!.engine.child.process.pid!);
    await stack!.stop();
    expect(pids.filter(isAlive)).to.deep.equal([]);
  });
});
