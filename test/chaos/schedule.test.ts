import { expect } from 'chai';

import { ENGINE_LOSS_FAULTS, FAULT_CLASSES, FaultSchedule, seededRandom, STACK_FAULTS } from '../../chaos/schedule';
import { CHAOS_SUBSCRIPTION, pushPatienceMs, scaleToZeroDownMs } from '../../chaos/subscription';

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

  it("plans the engine faults: a second engine serving 5 to 15 s, every engine down past the subscription's patience", () => {
    const faults = new FaultSchedule({
      seed: 3,
      classes: ['second-engine', 'rolling-redeploy', 'scale-to-zero'],
      scaleToZeroDownMs: 70_000,
    }).take(60);
    for (const fault of faults) {
      expect(STACK_FAULTS.has(fault.faultClass), fault.faultClass).to.equal(true);
      expect(ENGINE_LOSS_FAULTS.has(fault.faultClass), fault.faultClass).to.equal(true);
      if (fault.faultClass === 'second-engine') expect(fault.holdMs).to.be.within(5_000, 15_000);
      if (fault.faultClass === 'rolling-redeploy') expect(fault.holdMs).to.equal(undefined);
      if (fault.faultClass === 'scale-to-zero') expect(fault.holdMs).to.be.within(70_000, 80_000);
    }
    const byDefault = new FaultSchedule({ seed: 3, classes: ['scale-to-zero'] }).next();
    expect(byDefault.holdMs).to.be.at.least(scaleToZeroDownMs(CHAOS_SUBSCRIPTION));
  });

  it("derives the push subscription's patience from its backoff and delivery attempts", () => {
    // 5 attempts, 10 s flat: a backoff after each failure, plus 2 s of slack each.
    expect(pushPatienceMs(CHAOS_SUBSCRIPTION)).to.equal(60_000);
    // Scale-to-zero outlasts the push proxy's dead-lettering after 3 failed pushes, by 10 s.
    expect(scaleToZeroDownMs(CHAOS_SUBSCRIPTION)).to.equal(3 * 12_000 + 10_000);
    // The local subscription: 10 attempts doubling from 10 s to 60 s (10, 20, 40, then 60 s).
    const local = { retryPolicy: { minimumBackoff: '10s', maximumBackoff: '60s' }, maxDeliveryAttempts: 10 };
    expect(pushPatienceMs(local)).to.equal((10 + 20 + 40 + 7 * 60 + 10 * 2) * 1000);
    expect(() =>
      pushPatienceMs({ retryPolicy: { minimumBackoff: '10', maximumBackoff: '10s' }, maxDeliveryAttempts: 5 }),
    ).to.throw(/retryPolicy.minimumBackoff must be a duration in seconds such as "10s"/);
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
