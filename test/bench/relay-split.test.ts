/**
 * The push-relay round trip split where the broker's part ends (bench/push-relay/split.ts), on the
 * relay's deliveries: the broker's part per message, the engine's and the function's between a loop's
 * consecutive messages.
 */
import { expect } from 'chai';

import type { RelayDelivery } from '../../bench/push-relay/relay';
import { relaySplit } from '../../bench/push-relay/split';

function delivery(
  loop: string,
  iteration: number,
  publishedAt: number,
  receivedAt: number,
  attempt = 1,
): RelayDelivery {
  return {
    messageId: `${loop}-${iteration}-${attempt}`,
    deliveryAttempt: attempt,
    status: 204,
    acked: true,
    attributes: { loop, iteration: String(iteration), taskType: 'echo' },
    publishedAt,
    receivedAt,
    receivedAfterPublishMs: receivedAt - publishedAt,
    postMs: 10,
  };
}

describe('push-relay round trip split', () => {
  it("reads the broker's part per message and what the engine and the function add between a loop's messages", () => {
    const deliveries = [
      delivery('a', 1, 1000, 1040),
      delivery('a', 2, 1052, 1100), // the relay received 1 at 1040, the broker took 2 at 1052: 12 ms added
      delivery('a', 3, 1114, 1150), // 14 ms added
      delivery('b', 7, 1000, 1010),
      delivery('b', 8, 1030, 1060), // 20 ms added
    ];
    const split = relaySplit(deliveries, new Set(['a', 'b']), 0, 10_000);
    expect(split.pairs).to.equal(3);
    expect(split.engineAndFunctionP50Ms).to.equal(14);
    expect(split.brokerP50Ms).to.equal(36); // 10, 30, 36, 40, 48
  });

  it('counts only the first delivery of an iteration, the given loops and the window', () => {
    const deliveries = [
      delivery('a', 1, 1000, 1040),
      delivery('a', 1, 1000, 2040, 2), // a redelivery: the broker's part repeated, not a new round trip
      delivery('a', 2, 1050, 1090),
      delivery('other', 1, 1000, 1001),
      delivery('other', 2, 1002, 1003),
      delivery('a', 3, 5000, 5010), // after the window
    ];
    const split = relaySplit(deliveries, new Set(['a']), 900, 3000);
    expect(split.pairs).to.equal(1);
    expect(split.engineAndFunctionP50Ms).to.equal(10);
    expect(split.brokerP50Ms).to.equal(40);
  });

  it('gives no figures without deliveries, and skips messages without loop attributes', () => {
    const stray = { ...delivery('a', 1, 0, 1), attributes: { taskType: 'echo' } };
    expect(relaySplit([stray], new Set(['a']), 0, 10)).to.deep.equal({
      brokerP50Ms: null,
      engineAndFunctionP50Ms: null,
      pairs: 0,
    });
  });
});
