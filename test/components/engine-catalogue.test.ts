// The components against the engine's settings catalogue (docker/camunda/engine-settings.json): every
// argument and stack key that sets an engine setting takes the engine's default, accepts it, refuses
// what the engine refuses, and sets the catalogue's variable.

import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  CAMUNDA_DEFAULTS,
  type CamundaServerlessArgs,
  resolveCamundaServerlessArgs,
} from '../../components/camunda-serverless';
import {
  ENGINE_ARG_KEYS,
  ENGINE_ENV,
  type EngineArgKey,
  integerBounds,
  OPTIONAL_ENGINE_ARG_KEYS,
} from '../../components/engine/catalogue';
import { RESERVED_ENV } from '../../components/engine/settings-schema';
import { ENGINE_SETTINGS, type EngineSetting, isEngineSettingValue } from '../../components/engine-settings';
import { readStackConfig, STACK_CONFIG_KEYS } from '../../components/stack-config';

const ROOT = path.resolve(__dirname, '..', '..');
const PROVIDER = { project: 'test-project', region: 'europe-west1' };
const GCP = PROVIDER;
const CATALOGUED = ENGINE_SETTINGS.filter((s) => s.stackKey !== undefined);

/** Values of every kind that some rule refuses; each setting is tried with those its own rule refuses. */
const CANDIDATES = ['', 'forever', 'R3/soon', 'P1M', 'PT0.5S', '7 days', '25:00-26:00', '01:00', 'verbose', 'NONE'];

/** Values the catalogue refuses for the setting, as the argument's type (numbers for integers). */
function refusedValues(setting: EngineSetting): (string | number)[] {
  if (setting.rule.kind === 'integer') return [setting.rule.min - 1, setting.rule.max + 1, 1.5];
  return CANDIDATES.filter((value) => !isEngineSettingValue(setting.name, value));
}

/** The argument's value as CamundaServerless takes it: a number for an integer setting. */
function argValue(setting: EngineSetting, text: string): string | number {
  return setting.rule.kind === 'integer' ? Number(text) : text;
}

/** CamundaServerless's arguments that set `key` to `value`. */
function argsSetting(key: EngineArgKey, value: string | number): CamundaServerlessArgs {
  if (key === 'databasePoolSize') return { database: { poolSize: value as number } };
  return { engine: { [key]: value } };
}

/** The problem resolving the arguments reports, or undefined when they are accepted. */
function resolverProblem(args: CamundaServerlessArgs): string | undefined {
  try {
    resolveCamundaServerlessArgs('camunda', args, PROVIDER);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The problem the stack configuration reports, or undefined when it is accepted. */
function stackProblem(values: Record<string, string>): string | undefined {
  try {
    readStackConfig((key) => values[key], GCP, 'dev');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('engine arguments and the engine settings catalogue', () => {
  it('wires every stackKey of the catalogue, and only those, to an argument and its variable', () => {
    expect([...ENGINE_ARG_KEYS].sort()).to.deep.equal(CATALOGUED.map((s) => s.stackKey).sort());
    for (const setting of CATALOGUED) {
      expect(ENGINE_ENV[setting.stackKey as EngineArgKey], setting.name).to.equal(setting.name);
      expect(RESERVED_ENV.has(setting.name), `${setting.name} is reserved`).to.equal(true);
    }
    expect(OPTIONAL_ENGINE_ARG_KEYS).to.not.include.members(['databasePoolSize', 'publishRetryTimeCycle']);
  });

  it('reserves only variables the engine reads, and the JVM options', () => {
    const names = new Set(ENGINE_SETTINGS.map((s) => s.name));
    for (const name of RESERVED_ENV) if (name !== 'JAVA_TOOL_OPTIONS') expect(names.has(name), name).to.equal(true);
  });

  for (const setting of CATALOGUED) {
    const key = setting.stackKey as EngineArgKey;
    describe(`${key} (${setting.name})`, () => {
      it(`the resolver accepts the engine's default ${setting.default}`, () => {
        expect(setting.default, 'an engine key has a default').to.not.equal(null);
        expect(resolverProblem(argsSetting(key, argValue(setting, setting.default as string)))).to.equal(undefined);
      });

      it('the resolver refuses what the engine refuses, naming the argument', () => {
        const refused = refusedValues(setting);
        expect(refused, 'samples the engine refuses').to.not.be.empty;
        for (const value of refused) expect(resolverProblem(argsSetting(key, value)), String(value)).to.include(key);
      });

      if (setting.rule.kind === 'integer') {
        it("takes no value outside the engine's range, and says why where it is narrower", () => {
          const { min, max } = integerBounds(key);
          const rule = setting.rule as { min: number; max: number };
          expect(min).to.be.at.least(rule.min);
          expect(max).to.be.at.most(rule.max);
          expect(resolverProblem(argsSetting(key, min))).to.equal(undefined);
          expect(resolverProblem(argsSetting(key, max))).to.equal(undefined);
          const source = fs.readFileSync(path.join(ROOT, 'components', 'engine', 'catalogue.ts'), 'utf8');
          if (min !== rule.min || max !== rule.max) expect(source, key).to.match(new RegExp(`//[^\\n]*\\n\\s*${key}:`));
        });
      }

      it("the stack's default is the engine's, its sentinel for it, or the component's own", () => {
        const declared = STACK_CONFIG_KEYS.find((k) => k.key === key);
        expect(declared, `a stack key ${key}`).to.not.equal(undefined);
        const read = readStackConfig(() => undefined, GCP, 'dev') as unknown as Record<string, unknown>;
        const own = key === 'databasePoolSize' ? CAMUNDA_DEFAULTS.databasePoolSize : undefined;
        const expected = [own, setting.default, argValue(setting, setting.default as string), undefined, 0];
        expect(expected, `${key}'s default ${String(read[key])}`).to.include(read[key]);
        if (read[key] === undefined || read[key] === 0) {
          expect(declared?.description).to.include(`the engine's default, ${setting.default}`);
        }
      });

      it('the stack accepts the engine default given explicitly and refuses what the engine refuses', () => {
        expect(stackProblem({ [key]: setting.default as string })).to.equal(undefined);
        for (const value of refusedValues(setting).filter((v) => v !== '' && v !== 0)) {
          expect(stackProblem({ [key]: String(value) }), String(value)).to.include(`camunda-serverless:${key}:`);
        }
      });
    });
  }

  it("the argument docs name the engine's defaults", () => {
    const docs = fs.readFileSync(path.join(ROOT, 'components', 'engine', 'args.ts'), 'utf8');
    for (const key of OPTIONAL_ENGINE_ARG_KEYS) {
      const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*readonly ${key}\\?`).exec(docs)?.[1] ?? '';
      const fallback = ENGINE_SETTINGS.find((s) => s.stackKey === key)?.default ?? '?';
      expect(doc.replace(/\s*\*\s*/g, ' '), key).to.match(new RegExp(`the engine's own, \`?${fallback}\`?`));
    }
  });
});
