// price-order through the worker library: the first delivery of a task fails for a redelivery, the
// next one prices the order; an item not on the price list is a malformed task.
import { RedeliveryRequested } from '@camunda-serverless/worker';
import { expect } from 'chai';

import { replyVariables, WorkerHarness } from '../../../support/worker-harness';
import { priceOf, priceOrderWorker } from '../src/price-order';

describe('example worker price-order', () => {
  const harness = new WorkerHarness(priceOrderWorker());
  const payload = { orderId: 'order-1', item: 'espresso-beans', quantity: 3 };
  const redelivery = (error: unknown) => expect(error).to.be.instanceOf(RedeliveryRequested);

  before(() => harness.start());
  after(() => harness.close());
  beforeEach(() => harness.reset());

  it('fails the first delivery of a task, so that Pub/Sub delivers it again, and sends no reply', async () => {
    await harness.deliver({ payload, requestId: 'first' }).then(() => expect.fail('acked'), redelivery);
    expect(harness.replies).to.deep.equal([]);
    expect(harness.lines).to.have.length(1);
    expect(harness.lines[0]).to.deep.include({ outcome: 'retry', requestId: 'first', orderId: 'order-1' });
    expect(harness.lines[0])
      .to.have.property('error')
      .that.matches(/price list not loaded yet/);
  });

  it('prices the task on its redelivery, whatever the attempt count says: unit price times quantity, in EUR', async () => {
    await harness.deliver({ payload, requestId: 'again' }).then(() => expect.fail('acked'), redelivery);
    await harness.deliver({ payload, requestId: 'again', deliveryAttempt: 2 });
    await harness.deliver({ payload, requestId: 'again' });
    expect(harness.replies).to.have.length(2);
    for (const reply of harness.replies) {
      const variables = replyVariables(reply);
      expect(variables).to.include({ pushOutcome: 'completed', pushContractVersion: 1 });
      expect(JSON.parse(variables.result as string)).to.deep.equal({ currency: 'EUR', unitPrice: 12.5, total: 37.5 });
    }
    expect(harness.lines.map((line) => ('outcome' in line ? line.outcome : line.heartbeat))).to.deep.equal([
      'retry',
      'completed',
      'completed',
    ]);
  });

  it('fails the first delivery of every other task too, and remembers each', async () => {
    const tamper = { ...payload, item: 'tamper', quantity: 2 };
    await harness.deliver({ payload: tamper, requestId: 'tamper' }).then(() => expect.fail('acked'), redelivery);
    await harness.deliver({ payload, requestId: 'beans' }).then(() => expect.fail('acked'), redelivery);
    await harness.deliver({ payload: tamper, requestId: 'tamper' });
    expect(JSON.parse(replyVariables(harness.replies[0]).result as string)).to.deep.equal(
      priceOf({ item: 'tamper', quantity: 2 }),
    );
    expect(priceOf({ item: 'tamper', quantity: 2 }).total).to.equal(49.8);
  });

  it('answers an item that is not on the price list with a failed reply, acked', async () => {
    await harness.deliver({ payload: { ...payload, item: 'teapot' }, requestId: 'teapot' });
    const variables = replyVariables(harness.replies[0]);
    expect(variables.pushOutcome).to.equal('failed');
    expect(variables.pushErrorMessage).to.match(/item/);
  });
});
