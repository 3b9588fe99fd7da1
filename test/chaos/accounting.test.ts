import { expect } from 'chai';

import { Ledger } from '../../chaos/accounting';
import { RecoveryTracker } from '../../chaos/recovery';
import type { DeliveryLine } from '../../local/deliveries';

/** An echo task as PushTask publishes it for EchoLoop. */
const data = (loop: string, iteration: number, requestId = `${loop}-${iteration}`) =>
  Buffer.from(
    JSON.stringify({
      version: 1,
      taskType: 'echo',
      requestId,
      processInstanceId: `push-${loop}-${iteration}`,
      payload: { loop, iteration },
    }),
  ).toString('base64');

function publish(ledger: Ledger, messageId: string, loop: string, iteration: number, answerLost = false): void {
  ledger.recordPublish(
    Buffer.from(JSON.stringify({ messages: [{ data: data(loop, iteration) }] })),
    200,
    Buffer.from(JSON.stringify({ messageIds: [messageId] })),
    answerLost,
  );
}

const line = (outcome: DeliveryLine['outcome'], messageId: string, loop: string, iteration: number): DeliveryLine => ({
  outcome,
  messageId,
  loop,
  iteration,
});

describe('chaos accounting', () => {
  it('accepts a run where every message is delivered once or absorbed as a duplicate', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery(line('retry', 'm1', 'a', 1));
    ledger.recordDelivery(line('completed', 'm1', 'a', 1));
    ledger.recordDelivery(line('duplicate', 'm1', 'a', 1));
    publish(ledger, 'm2', 'a', 2, true); // answer lost: the engine published a second copy
    publish(ledger, 'm3', 'a', 2);
    ledger.recordDelivery(line('completed', 'm2', 'a', 2));
    ledger.recordDelivery(line('duplicate', 'm3', 'a', 2));
    ledger.finish(new Map([['a', 2]]));
    expect(ledger.violations).to.deep.equal([]);
    expect(ledger.settlement()).to.deep.equal({
      published: 3,
      deliveredOnce: 2,
      absorbedAsDuplicate: 1,
      deadLettered: 0,
      droppedByFault: 0,
      unsettled: 0,
      answerLost: 1,
      strandedInEmulator: 0,
      droppedByBroker: 0,
    });
    expect(ledger.request('a-2')).to.deep.include({ loop: 'a', iteration: 2 });
  });

  it('reports a message that never settled as lost, with its last retry', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery({ ...line('retry', 'm1', 'a', 1), message: 'engine answered 503' } as DeliveryLine);
    ledger.finish(new Map([['a', 0]]));
    expect(ledger.violations.map((v) => [v.what, v.loop, v.iteration, v.messageId])).to.deep.equal([
      ['lost', 'a', 1, 'm1'],
    ]);
    expect(ledger.violations[0].detail).to.match(/1 retries; last: engine answered 503/);
  });

  it('counts a message the broker dropped after a nack as dropped by the broker, only when its iteration completed through another copy', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery({ ...line('retry', 'm1', 'a', 1), message: 'engine unreachable' } as DeliveryLine);
    publish(ledger, 'm2', 'a', 1); // Echo's re-publish of the same request
    ledger.recordDelivery(line('completed', 'm2', 'a', 1));
    publish(ledger, 'm3', 'a', 2); // nacked, and its iteration never completed: lost
    ledger.recordDelivery({ ...line('retry', 'm3', 'a', 2), message: 'engine unreachable' } as DeliveryLine);
    publish(ledger, 'm4', 'a', 2); // never seen by the function at all: lost
    ledger.finish(new Map([['a', 1]]));
    expect([...ledger.droppedByBroker.keys()]).to.deep.equal(['m1']);
    expect(ledger.droppedByBroker.get('m1')).to.match(
      /1 redeliveries asked for \(last: engine unreachable\), none came; a iteration 1 completed through another copy/,
    );
    expect(ledger.violations.map((v) => [v.what, v.messageId])).to.deep.equal([
      ['lost', 'm3'],
      ['lost', 'm4'],
    ]);
    expect(ledger.settlement()).to.deep.include({ published: 4, deliveredOnce: 1, droppedByBroker: 1, unsettled: 2 });
  });

  it('counts a dead-lettered message as settled, with the reason', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery({ ...line('retry', 'm1', 'a', 1), message: 'engine answered 404' } as DeliveryLine);
    ledger.recordDeadLetter('m1');
    expect(ledger.unsettled()).to.deep.equal([]);
    expect(ledger.deadLettered.get('m1')).to.equal(
      'dead-lettered; the function asked for 1 redeliveries (last: engine answered 404)',
    );
  });

  it('settles a scale to zero: the messages every engine missed dead-lettered with their reason, the re-published copies carrying the loop on', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery(line('completed', 'm1', 'a', 1));
    // Every engine down: each of Pub/Sub's 5 attempts fails, then the message goes to the dead-letter topic.
    publish(ledger, 'm2', 'a', 2);
    publish(ledger, 'm3', 'b', 1);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      ledger.recordDelivery({ ...line('retry', 'm2', 'a', 2), message: 'engine answered 503' } as DeliveryLine);
      ledger.recordDelivery({ ...line('retry', 'm3', 'b', 1), message: 'engine unreachable' } as DeliveryLine);
    }
    ledger.recordDeadLetter('m2', 5);
    ledger.recordDeadLetter('m3', 5);
    // One engine wakes; PushTask publishes both requests again (REPUBLISH_AFTER is long past).
    publish(ledger, 'm4', 'a', 2);
    publish(ledger, 'm5', 'b', 1);
    ledger.recordDelivery(line('completed', 'm4', 'a', 2));
    ledger.recordDelivery(line('completed', 'm5', 'b', 1));
    ledger.finish(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(ledger.violations).to.deep.equal([]);
    expect(ledger.settlement()).to.deep.include({ published: 5, deliveredOnce: 3, deadLettered: 2, unsettled: 0 });
    expect(ledger.deadLettered.get('m2')).to.equal(
      'dead-lettered after 5 delivery attempts; the function asked for 5 redeliveries (last: engine answered 503)',
    );
    expect(ledger.deadLettered.get('m3')).to.match(/after 5 delivery attempts.*last: engine unreachable/);
  });

  it('still finds a gap when a dead-lettered iteration never completed through another copy', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery({ ...line('retry', 'm1', 'a', 1), message: 'engine answered 503' } as DeliveryLine);
    ledger.recordDeadLetter('m1', 5);
    publish(ledger, 'm2', 'a', 2);
    ledger.recordDelivery(line('completed', 'm2', 'a', 2));
    ledger.finish(new Map([['a', 1]]));
    expect(ledger.violations.map((v) => [v.what, v.loop, v.iteration])).to.deep.equal([['iteration-order', 'a', 1]]);
  });

  it('counts a message dropped by a request-lost fault as settled; its re-published copy carries the iteration', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDroppedByFault('m1', 'request-lost fault #3');
    expect(ledger.unsettled()).to.deep.equal([]);
    publish(ledger, 'm2', 'a', 1); // the re-publish, same request
    ledger.recordDelivery(line('completed', 'm2', 'a', 1));
    ledger.finish(new Map([['a', 1]]));
    expect(ledger.violations).to.deep.equal([]);
    expect(ledger.settlement()).to.deep.include({ published: 2, deliveredOnce: 1, droppedByFault: 1, unsettled: 0 });
  });

  it('reports a reply accepted twice, an iteration out of order, and a delivery never published', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    publish(ledger, 'm3', 'a', 3);
    ledger.recordDelivery(line('completed', 'm1', 'a', 1));
    ledger.recordDelivery(line('completed', 'm1', 'a', 1));
    ledger.recordDelivery(line('completed', 'm3', 'a', 3));
    ledger.recordDelivery(line('duplicate', 'ghost', 'a', 9));
    ledger.finish(new Map([['a', 3]]));
    const seen = ledger.violations.map((v) => v.what);
    expect(seen).to.include.members(['delivered-twice', 'iteration-order', 'unexpected']);
    expect(ledger.violations.find((v) => v.what === 'iteration-order')).to.deep.include({ loop: 'a', iteration: 2 });
  });

  it('takes the engine proxy as a second witness of accepted replies', () => {
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    publish(ledger, 'm2', 'a', 2);
    ledger.recordCorrelation('a-1', 204); // the function was killed before it logged this one
    ledger.recordDelivery(line('duplicate', 'm1', 'a', 1));
    ledger.recordCorrelation('a-2', 500);
    ledger.recordCorrelation('a-2', 204);
    ledger.recordDelivery(line('completed', 'm2', 'a', 2));
    ledger.finish(new Map([['a', 2]]));
    expect(ledger.violations).to.deep.equal([]);

    const twice = new Ledger();
    publish(twice, 'm1', 'a', 1);
    twice.recordCorrelation('a-1', 204);
    twice.recordCorrelation('a-1', 204);
    expect(twice.violations.map((v) => v.what)).to.deep.equal(['delivered-twice']);
  });

  it('accounts for an iteration nobody saw accepted only when the history shows its Echo completed', () => {
    const hidden = (): Ledger => {
      const ledger = new Ledger();
      publish(ledger, 'm1', 'a', 1);
      ledger.recordDelivery(line('duplicate', 'm1', 'a', 1)); // the engine died after its commit, before its answer
      publish(ledger, 'm2', 'a', 2);
      ledger.recordDelivery(line('completed', 'm2', 'a', 2));
      return ledger;
    };
    const confirmed = hidden();
    expect(confirmed.unseenIterations()).to.deep.equal([{ loop: 'a', iteration: 1, processInstanceIds: ['push-a-1'] }]);
    confirmed.recordCompletedInHistory('a', 1);
    confirmed.finish(new Map([['a', 2]]));
    expect(confirmed.violations).to.deep.equal([]);
    expect([...confirmed.acceptedUnseen]).to.deep.equal(['a/1']);

    const unconfirmed = hidden();
    unconfirmed.finish(new Map([['a', 2]]));
    expect(unconfirmed.violations.map((v) => [v.what, v.iteration])).to.deep.equal([
      ['iteration-order', 1],
      ['iteration-count', 2],
    ]);
  });

  it('asks the history about unsettled messages, the last iteration included', () => {
    // The engine accepted both replies and was killed before answering; the function asked for
    // redeliveries and the broker dropped them.
    const ledger = new Ledger();
    publish(ledger, 'm1', 'a', 1);
    ledger.recordDelivery(line('retry', 'm1', 'a', 1));
    publish(ledger, 'm2', 'a', 2);
    ledger.recordDelivery(line('completed', 'm2', 'a', 2));
    publish(ledger, 'm3', 'a', 3);
    ledger.recordDelivery(line('retry', 'm3', 'a', 3));
    expect(ledger.unseenIterations().map((unseen) => unseen.iteration)).to.deep.equal([1, 3]);
    ledger.recordCompletedInHistory('a', 1);
    ledger.recordCompletedInHistory('a', 3);
    ledger.finish(new Map([['a', 3]]));
    expect(ledger.violations).to.deep.equal([]);
    expect([...ledger.droppedByBroker.keys()]).to.deep.equal(['m1', 'm3']);
    expect(ledger.droppedByBroker.get('m3')).to.match(
      /a iteration 3 completed \(the history shows its PushTask instance completed/,
    );
  });

  it('compares accepted replies with the PushTask instances the engine completed', () => {
    const ok = new Ledger();
    publish(ok, 'm1', 'a', 1);
    ok.recordDelivery(line('completed', 'm1', 'a', 1));
    ok.finish(new Map([['a', 0]])); // accepted just before the stop: one more is fine
    expect(ok.violations).to.deep.equal([]);

    const short = new Ledger();
    publish(short, 'm1', 'a', 1);
    short.recordDelivery(line('completed', 'm1', 'a', 1));
    short.finish(new Map([['a', 3]]));
    expect(short.violations.map((v) => v.what)).to.deep.equal(['iteration-count']);
  });

  it('reports an invalid message, and any reply of the echo worker other than completed', () => {
    const ledger = new Ledger();
    ledger.recordDelivery({ outcome: 'invalid', messageId: 'x' });
    ledger.recordDelivery({ outcome: 'unknown-task', messageId: 'y' });
    ledger.recordDelivery({ outcome: 'failed', messageId: 'z', loop: 'a', iteration: 1 });
    expect(ledger.violations.map((v) => v.what)).to.deep.equal(['invalid', 'invalid', 'invalid']);
    expect(ledger.violations[2]!.detail).to.match(/^the function answered failed/);
  });

  it('ignores publishes Pub/Sub did not accept', () => {
    const ledger = new Ledger();
    ledger.recordPublish(Buffer.from('{"messages":[{"data":""}]}'), 503, Buffer.from('{}'), false);
    ledger.recordPublish(Buffer.from('not json'), 200, Buffer.from('{"messageIds":["1"]}'), false);
    expect(ledger.published.size).to.equal(0);
  });
});

describe('chaos recovery tracking', () => {
  it('times a fault until every loop it affects had a reply accepted, counting from the part coming back', () => {
    const now = 1_000;
    const tracker = new RecoveryTracker(() => now);
    tracker.hit({ index: 1, faultClass: 'engine-kill', gapMs: 0, at: 1_000, loops: ['a', 'b'] }, 60_000, 5_000);
    tracker.delivered('a', 2_000); // before the engine was back: no recovery
    tracker.delivered('a', 6_000);
    expect(tracker.allRecovered).to.equal(false);
    tracker.delivered('b', 9_000);
    expect(tracker.allRecovered).to.equal(true);
    expect(tracker.faults[0].recoveryMs).to.equal(8_000);
    expect(tracker.worstByClass(['engine-kill', 'lost-ack'])).to.deep.equal({ 'engine-kill': 8_000, 'lost-ack': null });
    expect(tracker.countByClass(['engine-kill', 'lost-ack'])).to.deep.equal({ 'engine-kill': 1, 'lost-ack': 0 });
  });

  it('reports a fault past its bound once, with the loops still waiting', () => {
    let now = 0;
    const tracker = new RecoveryTracker(() => now);
    tracker.hit({ index: 3, faultClass: 'lost-ack', gapMs: 0, at: 0, loops: ['a'], loop: 'a' }, 1_000);
    tracker.expectTurn(['b'], 5_000);
    now = 2_000;
    expect(tracker.overdue().map((o) => [o.fault.index, o.loops])).to.deep.equal([[3, ['a']]]);
    expect(tracker.overdue()).to.deep.equal([]);
    expect(tracker.leadingTo('a', now).map((f) => f.index)).to.deep.equal([3]);
    expect(tracker.leadingTo('b', now)).to.deep.equal([]);
  });
});
