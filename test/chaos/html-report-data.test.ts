// The data preparation of the chaos run's HTML report (chaos/html-report/data.ts) and its timeline
// (chaos/timeline.ts): scales, ticks, thinning, round-trip bins, the time span, and what is collected.

import { expect } from 'chai';

import {
  formatMs,
  linearScale,
  niceCeiling,
  niceTicks,
  roundTripBins,
  thin,
  timeSpan,
} from '../../chaos/html-report/data';
import { iterationsChart, MAX_POINTS_PER_LOOP } from '../../chaos/html-report/iterations-chart';
import { escapeHtml } from '../../chaos/html-report/svg';
import type { InjectedFault } from '../../chaos/recovery';
import { Timeline } from '../../chaos/timeline';

describe('chaos HTML report data', () => {
  it('scales linearly, also upside down (a y axis), and survives an empty domain', () => {
    const y = linearScale([0, 100], [400, 0]);
    expect([y(0), y(50), y(100)]).to.deep.equal([400, 200, 0]);
    expect(y.domain).to.deep.equal([0, 100]);
    expect(linearScale([5, 5], [10, 20])(5)).to.equal(10);
  });

  it('puts ticks on round values 1, 2 or 5 times a power of ten apart', () => {
    expect(niceTicks(0, 100, 5)).to.deep.equal([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 47, 8)).to.deep.equal([0, 10, 20, 30, 40]);
    expect(niceTicks(0, 47, 10)).to.deep.equal([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(niceTicks(0, 0.3, 3)).to.deep.equal([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(3, 3, 5)).to.deep.equal([3]);
  });

  it('ends an axis on the first round tick at or above the largest value', () => {
    expect([143, 150, 30.1, 0.27, 0].map((max) => niceCeiling(max, 6))).to.deep.equal([150, 150, 40, 0.3, 1]);
  });

  it('thins a long series to at most the given points, first and last kept, a short one untouched', () => {
    const series = Array.from({ length: 1001 }, (_, i) => i);
    const thinned = thin(series, 11);
    expect(thinned).to.deep.equal([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(thin([1, 2, 3], 10)).to.deep.equal([1, 2, 3]);
  });

  it('bins round trips on the 1-2-5 scale from the smallest to the largest, counts summing to the count', () => {
    const values = [45, 50, 99, 100, 150, 199, 30_000];
    const bins = roundTripBins(values);
    expect(bins[0]).to.deep.equal({ from: 20, to: 50, count: 1 });
    expect(bins[1]).to.deep.equal({ from: 50, to: 100, count: 2 });
    expect(bins[2]).to.deep.equal({ from: 100, to: 200, count: 3 });
    expect(bins[bins.length - 1]).to.deep.equal({ from: 20_000, to: 50_000, count: 1 });
    // Empty bins in between stay, so the axis is continuous.
    expect(bins.map((bin) => bin.from)).to.deep.equal([20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000]);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).to.equal(values.length);
    expect(roundTripBins([])).to.deep.equal([]);
    expect(roundTripBins([0, 0.5])).to.deep.equal([{ from: 0, to: 1, count: 2 }]);
  });

  it('thins a loop of a long run to MAX_POINTS_PER_LOOP vertices, and says how many replies it stands for', () => {
    const replies = Array.from({ length: 6_000 }, (_, i) => ({ at: i * 100, iteration: i + 1 }));
    const svg = iterationsChart({
      timeline: { replies: { a: replies }, roundTripsMs: [] },
      faults: [],
      classes: [],
      loops: ['a'],
    });
    const points = /<polyline[^>]* data-replies="6000" points="([^"]+)"/.exec(svg)?.[1];
    expect(points?.split(' ')).to.have.length(MAX_POINTS_PER_LOOP);
  });

  it('spans every reply, every fault and its recovery', () => {
    const fault = { index: 1, faultClass: 'lost-ack', gapMs: 0, at: 5_000, loops: [], recoveryMs: 20_000 };
    const span = timeSpan({ replies: { a: [{ at: 1_000, iteration: 1 }] }, roundTripsMs: [] }, [
      fault as InjectedFault,
    ]);
    expect(span).to.deep.equal({ from: 1_000, to: 25_000 });
    expect(timeSpan({ replies: {}, roundTripsMs: [] }, [])).to.deep.equal({ from: 0, to: 1000 });
  });

  it('formats durations for people', () => {
    expect([850, 1500, 45_000, 192_000].map(formatMs)).to.deep.equal(['850 ms', '1.5 s', '45 s', '3.2 min']);
  });

  it('escapes text for elements and attributes', () => {
    expect(escapeHtml(`<script>"a" & 'b'</script>`)).to.equal(
      '&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;',
    );
  });

  it('collects accepted replies per loop and their round trips, nothing else', () => {
    let now = 100;
    const timeline = new Timeline(() => now);
    timeline.faultsStarted();
    timeline.reply({ outcome: 'completed', loop: 'a', iteration: 1, roundTripMs: 120 });
    now = 200;
    timeline.reply({ outcome: 'duplicate', loop: 'a', iteration: 1, roundTripMs: 9_000 });
    timeline.reply({ outcome: 'retry', loop: 'b', iteration: 1 });
    timeline.reply({ outcome: 'completed', loop: 'b', iteration: 1, roundTripMs: 80 });
    timeline.faultsStopped();
    expect(timeline.data()).to.deep.equal({
      replies: { a: [{ at: 100, iteration: 1 }], b: [{ at: 200, iteration: 1 }] },
      roundTripsMs: [120, 80],
      faultsFrom: 100,
      faultsUntil: 200,
    });
  });
});
