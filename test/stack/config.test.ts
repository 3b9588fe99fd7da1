// The stack configuration: defaults, the checks and their messages, the derived name prefix.

import fc from 'fast-check';
import { readStackConfig, STACK_CONFIG_KEYS } from '../../components/stack-config';
import { NAME_PREFIX } from '../../components/validation';
import { expect } from 'chai';

const GCP = { project: 'test-project', region: 'europe-west1' };
const from = (values: Record<string, string | undefined>) => (key: string) => values[key];

function problems(
  values: Record<string, string | undefined>,
  gcp: { project?: string; region?: string } = GCP,
): string {
  try {
    readStackConfig(from(values), gcp, 'dev');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('stack configuration: defaults', () => {
  it('runs with nothing but gcp:project and gcp:region, every key at its declared default', () => {
    const config = readStackConfig(from({}), GCP, 'dev') as unknown as Record<string, unknown>;
    for (const { key, default: declared } of STACK_CONFIG_KEYS) {
      // operators, a list, reads empty as no e-mails.
      if (key === 'operators') expect(config[key], key).to.deep.equal([]);
      else if (declared === '') expect([undefined, ''], key).to.include(config[key]);
      else expect(config[key], key).to.equal(declared);
    }
    expect(config).to.deep.include({ project: 'test-project', region: 'europe-west1', prefix: 'camunda-dev' });
  });

  it('treats empty values as unset', () => {
    const config = readStackConfig(from({ minInstances: '', image: '  ', public: '' }), GCP, 'dev');
    expect(config).to.deep.include({ minInstances: 0, image: undefined, public: false });
  });

  it('derives a valid prefix from any stack name, leaving room for the echo loop suffix', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (stack) => {
        const { prefix } = readStackConfig(from({}), GCP, stack);
        return prefix.length <= 15 && NAME_PREFIX.test(prefix) && NAME_PREFIX.test(`${prefix}-echo`);
      }),
    );
  });
});

describe('stack configuration: checks', () => {
  it('names an unset project and region and says how to set them', () => {
    const message = problems({}, {});
    expect(message).to.include('gcp:project: is not set: pulumi config set gcp:project <your-project-id>');
    expect(message).to.include('gcp:region: is not set: pulumi config set gcp:region europe-west1');
  });

  it('refuses a region in an unknown format', () => {
    for (const region of ['Europe West 1', 'europe-west1-b', 'EU', 'westeurope']) {
      expect(problems({}, { ...GCP, region }), region).to.include(
        `gcp:region: '${region}' is not a GCP region: use a name such as europe-west1`,
      );
    }
  });

  it('refuses min instances above max, naming both keys and the fix', () => {
    expect(problems({ minInstances: '3', maxInstances: '2' })).to.include(
      'camunda-serverless:minInstances: (3) must not exceed camunda-serverless:maxInstances (2): lower minInstances or raise maxInstances',
    );
  });

  it('refuses a retry interval that does not parse', () => {
    for (const cycle of ['every 30s', 'R999999', 'R999999/30S', 'PT']) {
      expect(problems({ publishRetryTimeCycle: cycle }), cycle).to.include(
        'camunda-serverless:publishRetryTimeCycle: must be a retry cycle such as R999999/PT30S',
      );
    }
    expect(problems({ jobRetryTimeCycle: 'R5' })).to.include(
      'camunda-serverless:jobRetryTimeCycle: must be a retry cycle',
    );
  });

  it('lists every problem at once', () => {
    const message = problems(
      { minInstances: 'two', cpu: '0.5', public: 'maybe', historyCleanupWindow: '25:00-26:00', alertAfterMinutes: '1' },
      { ...GCP, region: 'nowhere' },
    );
    for (const key of [
      'gcp:region',
      'camunda-serverless:minInstances',
      'camunda-serverless:cpu',
      'camunda-serverless:public',
      'camunda-serverless:historyCleanupWindow',
      'camunda-serverless:alertAfterMinutes',
    ]) {
      expect(message, key).to.include(`  - ${key}: `);
    }
  });

  it('refuses cross-key contradictions: engine timeout vs function timeout, wake interval', () => {
    expect(problems({ engineTimeoutMs: '30000', functionTimeoutSeconds: '20' })).to.include(
      'camunda-serverless:engineTimeoutMs: (30000) must be below camunda-serverless:functionTimeoutSeconds x 1000 (20000)',
    );
    expect(problems({ wakeIntervalMinutes: '90' })).to.include(
      'camunda-serverless:wakeIntervalMinutes: 90 minutes cannot be written as a cron schedule',
    );
  });

  it('any min/max pair: accepted exactly when min ≤ max', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), (min, max) => {
        const read = () => readStackConfig(from({ minInstances: String(min), maxInstances: String(max) }), GCP, 'dev');
        if (min <= max) return read().minInstances === min && read().maxInstances === max;
        return (() => {
          try {
            read();
            return false;
          } catch (err) {
            return (err as Error).message.includes(`(${min}) must not exceed camunda-serverless:maxInstances (${max})`);
          }
        })();
      }),
    );
  });

  it('any text that is not a region name is refused, naming gcp:region', () => {
    const notRegion = fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((s) => !/^[a-z]+(?:-[a-z]+)+\d{1,2}$/.test(s.trim()) && s.trim() !== '');
    fc.assert(fc.property(notRegion, (region) => problems({}, { ...GCP, region }).includes('gcp:region:')));
  });

  it('warns when the instances could open more connections than db-f1-micro allows', () => {
    const config = readStackConfig(from({ maxInstances: '10', databasePoolSize: '5' }), GCP, 'dev');
    expect(config.warnings.join('\n')).to.include('= 50 connections may exceed what db-f1-micro allows (25');
    expect(readStackConfig(from({}), GCP, 'dev').warnings).to.deep.equal([]);
  });

  it('warns when internal ingress would shut out the echo function and the wake-up job', () => {
    expect(readStackConfig(from({ ingress: 'internal' }), GCP, 'dev').warnings.join('\n')).to.include(
      "camunda-serverless:ingress is 'internal'",
    );
    expect(
      readStackConfig(from({ ingress: 'internal', echoLoop: 'false', wakeIntervalMinutes: '0' }), GCP, 'dev').warnings,
    ).to.deep.equal([]);
  });
});
