import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';

import {
  checkEngineSetting,
  checkEngineSettings,
  ENGINE_SETTINGS,
  engineIntegerSchema,
  engineSetting,
  engineSettingChoices,
  engineSettingDefault,
  engineSettingForStackKey,
  engineSettingSchema,
  engineSettingsFile,
  type EngineSettingRule,
  isEngineSettingValue,
  loadEngineSettings,
} from '../../components/engine-settings';

const ROOT = path.resolve(__dirname, '..', '..');

/** Values each kind of rule refuses and accepts: the same samples EngineSettingsCatalogueTest.java uses. */
function samples(rule: EngineSettingRule): { refused: string[]; accepted: string[] } {
  switch (rule.kind) {
    case 'integer':
      return {
        refused: ['x', '1.5', String(rule.min - 1), String(rule.max + 1)],
        accepted: [`${rule.min}`, `${rule.max}`],
      };
    case 'boolean':
      return { refused: ['maybe', '1'], accepted: ['true', 'false'] };
    case 'choice':
      return { refused: ['unknown'], accepted: [...rule.values] };
    case 'text':
      return { refused: [], accepted: ['something'] };
    case 'pattern':
      return { refused: ['not valid!'], accepted: [rule.example] };
    case 'retryTimeCycle':
      return {
        refused: ['R3/soon', 'forever', 'R3/PT', 'PT1M,soon'],
        accepted: ['R5/PT1M', 'R/PT30S', 'PT1M', 'PT1M,PT5M,PT10M'],
      };
    case 'duration':
      return rule.minSeconds === undefined
        ? { refused: ['7 days', 'P1M'], accepted: ['P1D', 'PT12H', 'P2DT6H'] }
        : {
            refused: ['5 minutes', 'P1M', `PT${rule.minSeconds / 2}S`],
            accepted: [`PT${rule.minSeconds}S`, 'PT5M', 'P1D'],
          };
    case 'baseUrl':
      return {
        refused: ['ftp://metadata', 'metadata', 'http://'],
        accepted: ['http://127.0.0.1:8085', 'https://pubsub.googleapis.com/'],
      };
    case 'dailyWindow':
      return { refused: ['nights', '25:00-26:00', '01:00'], accepted: ['01:00-05:00', '22:00-04:00'] };
  }
}

describe('engine settings catalogue (components/engine-settings)', () => {
  it('names each variable once, and each default follows its own rule', () => {
    const names = ENGINE_SETTINGS.map((s) => s.name);
    expect(new Set(names).size).to.equal(names.length);
    expect(names).to.include.members(['PORT', 'PUBLISH_RETRY_TIME_CYCLE', 'REPUBLISH_AFTER', 'HISTORY_LEVEL']);
    for (const setting of ENGINE_SETTINGS) {
      if (setting.default !== null)
        expect(checkEngineSetting(setting.name, setting.default), setting.name).to.equal(undefined);
    }
  });

  for (const setting of ENGINE_SETTINGS) {
    it(`${setting.name}: refuses what its ${setting.rule.kind} rule refuses, accepts what it allows`, () => {
      const { refused, accepted } = samples(setting.rule);
      for (const value of refused) {
        expect(checkEngineSetting(setting.name, value), `${setting.name}=${value}`).to.match(/^must /);
      }
      for (const value of accepted)
        expect(isEngineSettingValue(setting.name, value), `${setting.name}=${value}`).to.equal(true);
    });
  }

  it('gives the engine defaults by variable', () => {
    expect(engineSettingDefault('PUBLISH_RETRY_TIME_CYCLE')).to.equal('R999999/PT30S');
    expect(engineSettingDefault('REPUBLISH_AFTER')).to.equal('PT5M');
    expect(engineSettingDefault('JOB_LOCK_TIME_MS')).to.equal('25000');
    expect(engineSettingDefault('DB_URL')).to.equal(undefined);
    expect(() => engineSettingDefault('NO_SUCH_SETTING')).to.throw(/reads no NO_SUCH_SETTING/);
  });

  it('maps the stack keys to their variables', () => {
    expect(engineSettingForStackKey('republishAfter')?.name).to.equal('REPUBLISH_AFTER');
    expect(engineSettingForStackKey('databasePoolSize')?.name).to.equal('DB_POOL_SIZE');
    expect(engineSettingForStackKey('cpu')).to.equal(undefined);
  });

  it('words its problems as the components do, and offers the choices for z.enum', () => {
    expect(checkEngineSetting('PUBLISH_RETRY_TIME_CYCLE', 'every 30s')).to.match(
      /^must be a retry cycle such as R999999\/PT30S/,
    );
    expect(checkEngineSetting('REPUBLISH_AFTER', 'PT0.5S')).to.match(
      /^must be a duration of at least one second such as PT5M/,
    );
    expect(checkEngineSetting('JOB_LOCK_TIME_MS', 999)).to.equal('must be a whole number from 1000 to 86400000');
    expect(checkEngineSetting('DB_IAM_AUTH', true)).to.equal(undefined);
    expect(engineSettingChoices('HISTORY_LEVEL')).to.deep.equal(['none', 'activity', 'audit', 'full']);
    expect(() => engineSettingChoices('PORT')).to.throw(/no choice/);
  });

  it('checks a set of variables together, the rules between them included', () => {
    expect(
      checkEngineSettings({ JOB_CORE_POOL_SIZE: 2, JOB_MAX_POOL_SIZE: 4, REPUBLISH_AFTER: undefined }),
    ).to.deep.equal([]);
    expect(checkEngineSettings({ JOB_CORE_POOL_SIZE: '20', HISTORY_LEVEL: 'everything' })).to.deep.equal([
      'HISTORY_LEVEL=everything: must be one of none, activity, audit, full',
      'JOB_MAX_POOL_SIZE=10: must be at least JOB_CORE_POOL_SIZE (20)',
    ]);
    expect(() => checkEngineSettings({ NO_SUCH_SETTING: 'x' })).to.throw(/reads no NO_SUCH_SETTING/);
  });

  it('gives zod schemas with the rule and its message', () => {
    const args = z.object({
      republishAfter: engineSettingSchema('REPUBLISH_AFTER'),
      lock: engineIntegerSchema('JOB_LOCK_TIME_MS'),
    });
    expect(args.safeParse({ republishAfter: 'PT30S', lock: 45_000 }).success).to.equal(true);
    const bad = args.safeParse({ republishAfter: 'PT0.5S', lock: 10 });
    expect(bad.success).to.equal(false);
    expect(bad.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).to.deep.equal([
      'republishAfter: must be a duration of at least one second such as PT5M or PT30S',
      'lock: must be a whole number from 1000 to 86400000',
    ]);
    expect(() => engineIntegerSchema('REPUBLISH_AFTER')).to.throw(/no integer/);
  });

  it('is found from dist/components as from components/, and npm pack ships it', () => {
    const file = engineSettingsFile();
    expect(file).to.equal(path.join(ROOT, 'docker', 'camunda', 'engine-settings.json'));
    expect(engineSettingsFile(path.join(ROOT, 'dist', 'components'))).to.equal(file);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    const shipped = path.relative(ROOT, file).split(path.sep).join('/');
    expect(
      pkg.files.some((entry) => shipped === entry || shipped.startsWith(`${entry}/`)),
      shipped,
    ).to.equal(true);
  });

  it('refuses a catalogue that is not one, naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-settings-'));
    try {
      const file = path.join(dir, 'engine-settings.json');
      fs.writeFileSync(
        file,
        JSON.stringify({ settings: [{ name: 'PORT', default: 8080, rule: { kind: 'integer' } }] }),
      );
      expect(() => loadEngineSettings(file)).to.throw(
        new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a catalogue`),
      );
      expect(engineSetting('PORT').rule).to.deep.equal({ kind: 'integer', min: 0, max: 65535 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
