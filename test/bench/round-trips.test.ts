import { expect } from 'chai';

import { parseDeliveryLine } from '../../local/deliveries';
import { partsTable, stepResult, whereTheTimeGoes } from '../../bench/results';
import { partMedians, periodsWithin, publishToStoredP50, replyOf, type ReplyLine } from '../../bench/round-trips';

/** A delivery line as the echo function writes it (worker/src/log.ts), with the fields the bench reads. */
function logLine(fields: Record<string, unknown>): string {
  return JSON.stringify({
    severity: 'INFO',
    message: 'task completed',
    taskType: 'echo',
    outcome: 'completed',
    messageId: '17',
    deliveryAttempt: 1,
    processInstanceId: 'p1',
    requestId: 'r1',
    engineStatus: 204,
    'logging.googleapis.com/labels': { component: 'push-worker' },
    ...fields,
  });
}

describe('bench round trips from log lines', () => {
  it("reads a completed line's loop, iteration and figures, and skips other outcomes", () => {
    const line = parseDeliveryLine(
      logLine({ loop: 'push-1-1', iteration: 4, roundTripMs: 90, engineMs: 20, handlerMs: 1 }),
    )!;
    expect(replyOf(line, 1000)).to.deep.equal({
      loop: 'push-1-1',
      at: 1000,
      iteration: 4,
      roundTripMs: 90,
      engineMs: 20,
      handlerMs: 1,
    });
    const retry = parseDeliveryLine(logLine({ outcome: 'retry', loop: 'push-1-1', iteration: 5 }))!;
    expect(replyOf(retry, 1000)).to.equal(undefined);
    expect(replyOf(parseDeliveryLine(logLine({}))!, 1000), 'no loop').to.equal(undefined);
  });

  it('takes a round trip as the time from one reply of a loop to its next, inside the window only', () => {
    const lines: ReplyLine[] = [
      { loop: 'a', iteration: 1, at: 900 },
      { loop: 'b', iteration: 1, at: 950 },
      { loop: 'a', iteration: 2, at: 1010 }, // 110 after a/1, inside the window
      { loop: 'b', iteration: 2, at: 1100 }, // 150
      { loop: 'a', iteration: 4, at: 1300 }, // a/3 not seen: no round trip
      { loop: 'a', iteration: 5, at: 1400 }, // 100
      { loop: 'b', iteration: 3, at: 2000 }, // at the window's end: outside
    ];
    const periods = periodsWithin(lines, 1000, 2000);
    expect(periods.map((p) => [p.line.loop, p.line.iteration, p.periodMs])).to.deep.equal([
      ['a', 2, 110],
      ['b', 2, 150],
      ['a', 5, 100],
    ]);
  });

  it('splits a push round trip into the reply call and the time between two calls, the next publish in it', () => {
    const lines = [100, 200, 300, 400].map((at, i) =>
      replyOf(
        parseDeliveryLine(logLine({ loop: 'l', iteration: i, roundTripMs: 80, engineMs: 25, handlerMs: 1 }))!,
        at,
      ),
    ) as ReplyLine[];
    const periods = periodsWithin(lines, 0, 1000);
    // 100 ms apart; 25 of them the reply call (which commits the next task), 1 the handler.
    expect(partMedians(periods)).to.deep.equal({ replyCallMs: 25, betweenCallsMs: 74, handlerMs: 1 });
    expect(publishToStoredP50(periods)).to.equal(80);
    const step = stepResult(
      'push',
      1,
      1,
      periods.map((p) => p.periodMs),
      { cpuSeconds: 0.1, peakRssMiB: 1 },
      0,
      {
        parts: partMedians(periods),
        publishToStoredP50Ms: 80,
      },
    );
    expect(partsTable([step], 'push')).to.match(/1 loop\(s\)\s+100\s+25\s+74\s+1\s+80/);
    expect(whereTheTimeGoes([step], 'push')).to.match(/median round trip of 100 ms goes 25 ms to the reply call/);
  });

  it('splits a pull round trip into the wait for the task and the complete call', () => {
    const lines: ReplyLine[] = [
      { loop: 'l', at: 0, completeMs: 5 },
      { loop: 'l', at: 20, completeMs: 6 },
      { loop: 'l', at: 40, completeMs: 6 },
    ];
    const periods = periodsWithin(lines, 0, 100);
    expect(partMedians(periods)).to.deep.equal({ engineToWorkerMs: 14, completeCallMs: 6 });
    expect(publishToStoredP50(periods)).to.equal(null);
  });

  it('says what the broker and what the engine and the function take of a push-relay round trip', () => {
    const details = { parts: {}, publishToStoredP50Ms: null };
    const split = { brokerP50Ms: 36, engineAndFunctionP50Ms: 14, pairs: 3 };
    const step = stepResult('push-relay', 1, 1, [50, 50, 51], { cpuSeconds: 0, peakRssMiB: 1 }, 0, {
      ...details,
      relaySplit: split,
    });
    expect(step.relaySplit).to.deep.equal(split);
    expect(whereTheTimeGoes([step], 'push-relay', { p50Ms: 12 })).to.match(
      /the broker \(publish to the relay\) p50 36 ms and the engine and the function .* p50 14 ms; the relay's own hop .* p50 12 ms$/,
    );
    const withoutSplit = stepResult('push-relay', 1, 1, [50], { cpuSeconds: 0, peakRssMiB: 1 }, 0, details);
    expect(whereTheTimeGoes([withoutSplit], 'push-relay', { p50Ms: 12 })).to.match(/;[^;]*own hop .* p50 12 ms$/);
    expect(whereTheTimeGoes([], 'pull-long')).to.equal('pull-long: no round trips measured');
  });
});
