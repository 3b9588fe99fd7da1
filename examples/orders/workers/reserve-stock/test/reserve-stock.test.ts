// reserve-stock through the worker library: a reservation while the stock covers the order, else the
// business error OutOfStock with the shortage as its message, acked at once (no redelivery).
import { expect } from 'chai';

import { replyVariables, WorkerHarness } from '../../../support/worker-harness';
import { reserveStockWorker, shortage, STOCK } from '../src/reserve-stock';

describe('example worker reserve-stock', () => {
  const harness = new WorkerHarness(reserveStockWorker);

  before(() => harness.start());
  after(() => harness.close());
  beforeEach(() => harness.reset());

  it('reserves an order the stock covers, the reservation named after the order', async () => {
    await harness.deliver({ payload: { orderId: 'order-2', item: 'milk-frother', quantity: 2 }, deliveryAttempt: 1 });
    const variables = replyVariables(harness.replies[0]);
    expect(variables.pushOutcome).to.equal('completed');
    expect(JSON.parse(variables.result as string)).to.deep.equal({
      reservationId: 'R-order-2',
      item: 'milk-frother',
      quantity: 2,
    });
    expect(harness.lines[0]).to.deep.include({ outcome: 'completed', orderId: 'order-2', item: 'milk-frother' });
  });

  for (const [item, quantity, message] of [
    ['grinder', 1, 'grinder: 1 ordered, none in stock'],
    ['milk-frother', 3, 'milk-frother: 3 ordered, only 2 in stock'],
    ['teapot', 1, 'teapot: 1 ordered, none in stock'],
  ] as const) {
    it(`raises OutOfStock for ${quantity} × ${item}: "${message}"`, async () => {
      await harness.deliver({ payload: { orderId: 'order-3', item, quantity }, deliveryAttempt: 1 });
      expect(harness.replies).to.have.length(1);
      expect(replyVariables(harness.replies[0])).to.include({
        pushOutcome: 'error',
        pushErrorCode: 'OutOfStock',
        pushErrorMessage: message,
      });
      expect(harness.lines[0]).to.deep.include({ outcome: 'error', errorCode: 'OutOfStock', orderId: 'order-3' });
    });
  }

  it('gives every delivery of one order the same answer: the stock does not go down', async () => {
    const order = { orderId: 'order-4', item: 'tamper', quantity: STOCK.tamper };
    for (let attempt = 1; attempt <= 3; attempt += 1)
      await harness.deliver({ payload: order, deliveryAttempt: attempt });
    expect(harness.replies.map((reply) => replyVariables(reply).pushOutcome)).to.deep.equal([
      'completed',
      'completed',
      'completed',
    ]);
    expect(shortage(order)).to.equal(undefined);
    expect(shortage({ ...order, quantity: STOCK.tamper + 1 })).to.equal('tamper: 21 ordered, only 20 in stock');
  });
});
