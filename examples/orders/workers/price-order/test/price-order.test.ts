// price-order through the worker library: the first delivery fails for a redelivery, the next one
// prices the order; an item not on the price list is a malformed task.
import { expect } from 'chai';

import { replyVariables, WorkerHarness } from '../../../support/worker-harness';
import { priceOf, priceOrderWorker } from '../src/price-order';

describe('example worker price-order', () => {
  const harness = new WorkerHarness(priceOrderWorker);
  const payload = { orderId: 'order-1', item: 'espresso-beans', quantity: 3 };

  before(() => harness.start());
  after(() => harness.close());
  beforeEach(() => harness.reset());

  it('fails the first delivery, so that Pub/Sub delivers it again, and sends no reply', async () => {
    await harness.deliver({ payload, deliveryAttempt: 1 }).then(
      () => expect.fail('the first delivery was acked'),
      () => undefined,
    );
    expect(harness.replies).to.deep.equal([]);
    expect(harness.lines).to.have.length(1);
    expect(harness.lines[0]).to.deep.include({
      outcome: 'retry',
      deliveryAttempt: 1,
      orderId: 'order-1',
      item: 'espresso-beans',
    });
  });

  it('prices the order on a redelivery: unit price times quantity, in EUR', async () => {
    await harness.deliver({ payload, deliveryAttempt: 2 });
    expect(harness.replies).to.have.length(1);
    const variables = replyVariables(harness.replies[0]);
    expect(variables).to.include({ pushOutcome: 'completed', pushContractVersion: 1 });
    expect(JSON.parse(variables.result as string)).to.deep.equal({ currency: 'EUR', unitPrice: 12.5, total: 37.5 });
    expect(harness.lines[0]).to.deep.include({ outcome: 'completed', deliveryAttempt: 2, orderId: 'order-1' });
  });

  it('prices at once when Pub/Sub sends no attempt count (no dead-letter policy)', async () => {
    await harness.deliver({ payload: { ...payload, item: 'tamper', quantity: 2 } });
    const variables = replyVariables(harness.replies[0]);
    expect(JSON.parse(variables.result as string)).to.deep.equal(priceOf({ item: 'tamper', quantity: 2 }));
    expect(priceOf({ item: 'tamper', quantity: 2 }).total).to.equal(49.8);
  });

  it('answers an item that is not on the price list with a failed reply, acked', async () => {
    await harness.deliver({ payload: { ...payload, item: 'teapot' }, deliveryAttempt: 2 });
    const variables = replyVariables(harness.replies[0]);
    expect(variables.pushOutcome).to.equal('failed');
    expect(variables.pushErrorMessage).to.match(/item/);
  });
});
