// The value checks behind every configuration message: durations, retry cycles, regions, name
// prefixes and the wake-up schedule, each with generated inputs as well as the cases that bite.

import fc from 'fast-check';
import { isEngineSettingValue } from '../../components/engine-settings';
import {
  isDayTimeDuration,
  isIsoDuration,
  isRetryTimeCycle,
  NAME_PREFIX,
  NAME_PREFIX_MAX,
  REGION,
  sanitizePrefix,
  wakeSchedule,
} from '../../components/validation';
import { expect } from 'chai';

const durationPart = (unit: string) =>
  fc.option(
    fc.nat({ max: 999 }).map((n) => `${n}${unit}`),
    { nil: '' },
  );
/** Echo's re-publish delay as the engine's catalogue rules it (REPUBLISH_AFTER). */
const isRepublishDelay = (value: string) => isEngineSettingValue('REPUBLISH_AFTER', value);

/** Generated ISO 8601 durations with at least one component. */
const isoDuration = fc
  .tuple(
    durationPart('Y'),
    durationPart('M'),
    durationPart('D'),
    durationPart('H'),
    durationPart('M'),
    durationPart('S'),
  )
  .filter((parts) => parts.some((p) => p !== ''))
  .map(([y, mo, d, h, mi, s]) => `P${y}${mo}${d}${h || mi || s ? `T${h}${mi}${s}` : ''}`);

describe('validation: ISO durations and retry cycles', () => {
  it('accepts every generated ISO duration', () => {
    fc.assert(fc.property(isoDuration, (d) => isIsoDuration(d)));
  });

  it('accepts R<n>/<duration>, R/<duration> and duration lists', () => {
    fc.assert(
      fc.property(fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }), isoDuration, (n, d) =>
        isRetryTimeCycle(`R${n ?? ''}/${d}`),
      ),
    );
    fc.assert(
      fc.property(fc.array(isoDuration, { minLength: 1, maxLength: 5 }), (list) => isRetryTimeCycle(list.join(','))),
    );
    for (const ok of ['R999999/PT30S', 'R/PT1M', 'R5/PT5M', 'PT10M,PT17M,PT20M', 'R3/PT0.5S'])
      expect(isRetryTimeCycle(ok), ok).to.equal(true);
  });

  it('rejects what Camunda cannot parse', () => {
    for (const bad of [
      '',
      '30s',
      'R999999',
      'R999999/30S',
      'R/P',
      'RX/PT1M',
      'PT',
      'P1DT',
      'PT1M,,PT2M',
      'R-1/PT1M',
      'every 30 seconds',
    ]) {
      expect(isRetryTimeCycle(bad), bad).to.equal(false);
    }
  });

  it('rejects any text without a P duration marker', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('P')),
        (s) => !isRetryTimeCycle(s),
      ),
    );
  });
});

describe('validation: history time to live (java.time.Duration)', () => {
  it('accepts days, hours, minutes and seconds', () => {
    for (const ok of ['P1D', 'PT12H', 'P2DT6H30M', 'PT0.5S', 'P30D']) expect(isDayTimeDuration(ok), ok).to.equal(true);
  });

  it('refuses years, months, weeks and plain numbers, which Duration.parse rejects', () => {
    for (const bad of ['P1Y', 'P1M', 'P2W', '30', 'P', 'PT', 'P1DT'])
      expect(isDayTimeDuration(bad), bad).to.equal(false);
  });
});

describe("validation: Echo's re-publish delay", () => {
  it('accepts day-time durations of one second or more, and only those', () => {
    for (const ok of ['PT1S', 'PT5M', 'PT1.5S', 'P1D', 'PT0M1S', 'P0DT0H0M1S'])
      expect(isRepublishDelay(ok), ok).to.equal(true);
    for (const bad of ['PT0S', 'PT0.999S', 'P0D', 'P1M', 'P1W', 'PT', '5m', ''])
      expect(isRepublishDelay(bad), bad).to.equal(false);
  });

  it('agrees with the seconds the duration stands for', () => {
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.nat({ max: 30 }), fc.nat({ max: 90 }), fc.nat({ max: 90 }), (d, h, m, s) => {
        const text = `P${d}DT${h}H${m}M${s}S`;
        return isRepublishDelay(text) === d * 86_400 + h * 3_600 + m * 60 + s >= 1;
      }),
    );
  });
});

describe('validation: regions', () => {
  it('accepts real region names', () => {
    for (const ok of [
      'europe-west1',
      'us-central1',
      'northamerica-northeast2',
      'me-central2',
      'australia-southeast1',
      'us-east4',
    ]) {
      expect(REGION.test(ok), ok).to.equal(true);
    }
  });

  it('rejects zones, upper case, missing numbers and free text', () => {
    for (const bad of ['europe-west1-b', 'Europe-West1', 'europe-west', 'europe', 'eu west 1', 'us-central-1', '']) {
      expect(REGION.test(bad), bad).to.equal(false);
    }
  });
});

describe('validation: physical name prefixes', () => {
  it('sanitizes any text into a valid prefix of at most 20 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (raw) => {
        const prefix = sanitizePrefix(raw);
        return NAME_PREFIX.test(prefix) && prefix.length <= NAME_PREFIX_MAX;
      }),
      { numRuns: 500 },
    );
  });

  it('leaves a valid prefix as it is', () => {
    const valid = fc.stringMatching(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/).filter((s) => !s.includes('--'));
    fc.assert(fc.property(valid, (p) => sanitizePrefix(p) === p));
  });

  it('keeps service-account ids within 30 characters for every suffix the components use', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (raw) => {
        const prefix = sanitizePrefix(raw);
        return ['-engine', '-wake', '-fn', '-push', '-build'].every((suffix) => {
          const id = `${prefix}${suffix}`;
          return id.length >= 6 ? id.length <= 30 && /^[a-z][a-z0-9-]*[a-z0-9]$/.test(id) : true;
        });
      }),
    );
  });
});

describe('validation: wake-up schedule', () => {
  it('is off at 0 and every n minutes below an hour', () => {
    expect(wakeSchedule(0)).to.equal(undefined);
    fc.assert(fc.property(fc.integer({ min: 1, max: 59 }), (n) => wakeSchedule(n) === `*/${n} * * * *`));
  });

  it('takes whole hours that divide a day', () => {
    expect(wakeSchedule(60)).to.equal('0 */1 * * *');
    expect(wakeSchedule(360)).to.equal('0 */6 * * *');
    expect(wakeSchedule(1440)).to.equal('0 0 * * *');
  });

  it('refuses intervals cron cannot express, saying which values work', () => {
    for (const bad of [-1, 1.5, 90, 300, 2880])
      expect(() => wakeSchedule(bad), String(bad)).to.throw(/minutes|whole number/);
    expect(() => wakeSchedule(90)).to.throw(/1 to 59, or 60, 120/);
  });
});
