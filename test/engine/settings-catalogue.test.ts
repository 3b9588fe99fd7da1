import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { ENGINE_SETTINGS } from '../../components/engine-settings';

// docker/camunda/engine-settings.json is the one list of engine settings; these hold the engine's
// README and the stack's Pulumi.yaml to it (EngineSettingsCatalogueTest.java holds the engine itself).

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The rows of the README's settings table, one per variable: name and default (null: "(none)"). */
function readmeSettings(): Map<string, string | null> {
  const section = read('docker/camunda/README.md')
    .split(/^## /m)
    .find((part) => part.startsWith('Settings'));
  if (!section) throw new Error('docker/camunda/README.md has no "## Settings" section');
  const rows = new Map<string, string | null>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const [names, defaults] = line.split(' | ').map((cell) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]));
    const none = line.split(' | ')[1]?.trim() === '(none)';
    names?.forEach((name, i) => rows.set(name, none ? null : (defaults?.[defaults.length === 1 ? 0 : i] ?? '?')));
  }
  return rows;
}

describe('engine settings catalogue, its copies', () => {
  it("docker/camunda/README.md's table lists every setting with the catalogue's default", () => {
    const catalogued = new Map(ENGINE_SETTINGS.map((s) => [s.name, s.default]));
    expect([...readmeSettings().entries()].sort()).to.deep.equal([...catalogued.entries()].sort());
  });

  describe("Pulumi.yaml's engine keys", () => {
    const project = yaml.load(read('Pulumi.yaml')) as {
      config: Record<string, { type: string; default: unknown; description: string }>;
    };
    // The component's own default replaces the engine's here (CAMUNDA_DEFAULTS.databasePoolSize).
    const componentDefaults = new Set(['databasePoolSize']);

    for (const setting of ENGINE_SETTINGS.filter((s) => s.stackKey !== undefined)) {
      const key = setting.stackKey as string;
      it(`${key} (${setting.name}) agrees with the engine's default ${setting.default}`, () => {
        const declared = project.config[key];
        expect(declared, `Pulumi.yaml declares ${key}`).to.not.equal(undefined);
        const named = /the engine's default, ([^\s,]+?)[.,]?(?=\s|$)/.exec(declared.description)?.[1];
        if (named !== undefined) expect(named, `the default named by ${key}`).to.equal(setting.default);
        const unset = declared.default === '' || declared.default === 0;
        if (unset)
          expect(declared.description, `${key} says what its empty value means`).to.include("the engine's default");
        else if (!componentDefaults.has(key))
          expect(String(declared.default), `${key}'s default`).to.equal(setting.default);
      });
    }
  });
});
