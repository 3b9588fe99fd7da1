import { expect } from 'chai';

import { FAULT_CLASSES, FaultSchedule, seededRandom } from '../../chaos/schedule';

describe('chaos fault schedule', () => {
  it('is the same for the same seed, and differs for another seed', () => {
    const a = new FaultSchedule({ seed: 42, classes: FAULT_CLASSES }).take(50);
    const b = new FaultSchedule({ seed: 42, classes: FAULT_CLASSES }).take(50);
    const c = new FaultSchedule({ seed: 43, classes: FAULT_CLASSES }).take(50);
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
  });

  it('gives every class one turn per round, in a random order', () => {
    const faults = new FaultSchedule({ seed: 7, classes: FAULT_CLASSES }).take(FAULT_CLASSES.length * 3);
    for (let round = 0; round < 3; round += 1) {
      const classes = faults
        .slice(round * FAULT_CLASSES.length, (round + 1) * FAULT_CLASSES.length)
        .map((f) => f.faultClass);
      expect([...classes].sort()).to.deep.equal([...FAULT_CLASSES].sort());
    }
    const firstRound = faults.slice(0, FAULT_CLASSES.length).map((f) => f.faultClass);
    expect(firstRound).to.not.deep.equal([...FAULT_CLASSES]);
    expect(faults.map((f) => f.index)).to.deep.equal(faults.map((_, i) => i + 1));
  });

  it('only uses the classes asked for, with parameters in range', () => {
    const faults = new FaultSchedule({
      seed: 1,
      classes: ['engine-5xx', 'engine-kill', 'publish-hang'],
      gapMs: [100, 200],
    }).take(300);
    for (const fault of faults) {
      expect(['engine-5xx', 'engine-kill', 'publish-hang']).to.include(fault.faultClass);
      expect(fault.gapMs).to.be.within(100, 200);
      if (fault.faultClass === 'engine-5xx')
        expect(fault.status).to.equal(fault.afterForwarding ? 502 : fault.status === 500 ? 500 : 503);
      if (fault.faultClass === 'engine-kill') expect(fault.holdMs).to.be.within(1_000, 10_000);
      if (fault.faultClass === 'publish-hang') expect(fault.holdMs).to.be.within(2_000, 35_000);
    }
    const fives = faults.filter((f) => f.faultClass === 'engine-5xx');
    expect(new Set(fives.map((f) => f.status))).to.deep.equal(new Set([500, 502, 503]));
  });

  it('refuses an empty list of classes', () => {
    expect(() => new FaultSchedule({ seed: 1, classes: [] })).to.throw(/at least one fault class/);
  });

  it('draws uniformly enough from [0, 1)', () => {
    const random = seededRandom(123);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).to.be.at.least(0);
    expect(Math.max(...draws)).to.be.below(1);
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    expect(mean).to.be.closeTo(0.5, 0.02);
  });
});
