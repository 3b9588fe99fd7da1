/**
 * The two test tiers: `npm test` runs every test file (.mocharc.full.cjs), `npm run test:unit` all of
 * them but those .mocharc.unit.cjs lists as needing a JVM, PostgreSQL or the Pub/Sub emulator. A new test
 * file lands in the unit tier unless listed, so this checks that no unit test starts one of those, and
 * that the list names only test files that exist and do.
 */
import { expect } from 'chai';
import { globSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

interface MochaConfig {
  spec: string[];
  ignore?: string[];
}

const full = require(join(ROOT, '.mocharc.full.cjs')) as MochaConfig;
const unit = require(join(ROOT, '.mocharc.unit.cjs')) as MochaConfig;
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

const files = (patterns: string[]): string[] => globSync(patterns, { cwd: ROOT }).sort();

/** What starts a JVM, PostgreSQL or the Pub/Sub emulator, as the test files call it. */
const STARTERS: Array<[RegExp, string]> = [
  [/\bstart(Test)?Engine\(/, 'the engine jar'],
  [/\bspawn(Sync)?\('java'/, 'a JVM'],
  [/\bstartPostgres\(/, 'PostgreSQL'],
  [/\bstartPubsubEmulator\(/, 'the Pub/Sub emulator'],
  [/\bstartLocalStack\(|\brunChaos\(|\brunBench\(/, 'the local stack'],
  [/'local', 'cli\.ts'/, '`npm run local`, the local stack'],
  [/\bordersStack\(|\bnew ExampleStack\(/, "an example's local stack"],
  [/\bnpmCi\(/, 'npm ci from the npm registry'],
];

const startsWhat = (file: string): string[] => {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return STARTERS.filter(([pattern]) => pattern.test(source)).map(([, what]) => what);
};

describe('test tiers (.mocharc.full.cjs, .mocharc.unit.cjs)', () => {
  const all = files(full.spec);
  const integration = files(unit.ignore ?? []);
  const unitFiles = all.filter((file) => !integration.includes(file));

  it('the full suite finds the test files of test/ and echo-function/test/', () => {
    expect(all).to.include.members(['test/tooling/test-tiers.test.ts', 'echo-function/test/handler.test.ts']);
    expect(unit.spec).to.deep.equal(full.spec);
  });

  it('every entry of the integration list names test files of the full suite', () => {
    for (const pattern of unit.ignore ?? []) {
      const matched = files([pattern]);
      expect(matched, `${pattern} in .mocharc.unit.cjs matches no test file: remove it`).to.not.be.empty;
      expect(all, pattern).to.include.members(matched);
    }
  });

  it('no unit test starts the engine jar, PostgreSQL or the Pub/Sub emulator', () => {
    const offenders = unitFiles
      .map((file) => ({ file, starts: startsWhat(file) }))
      .filter(({ starts }) => starts.length > 0)
      .map(
        ({ file, starts }) =>
          `${file} starts ${starts.join(', ')}: add it to the integration list in .mocharc.unit.cjs`,
      );
    expect(offenders).to.deep.equal([]);
  });

  it('every integration test starts one of them (the check above would notice a new one)', () => {
    const idle = integration.filter((file) => startsWhat(file).length === 0);
    expect(idle, 'listed as integration tests but starting nothing the check knows').to.deep.equal([]);
  });

  it('npm test runs the full suite with the engine built; npm run test:unit the unit tier, building nothing', () => {
    expect(scripts.test).to.equal('bash scripts/env.sh --engine mocha --config .mocharc.full.cjs');
    expect(scripts['test:unit']).to.equal('bash scripts/env.sh mocha --config .mocharc.unit.cjs');
  });
});
