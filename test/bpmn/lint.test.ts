/**
 * bpmnlint with the recommended rules and the Camunda 7.24 compatibility rules (.bpmnlintrc) over the
 * building blocks and the test fixtures: no error and no warning. `npm run lint:bpmn` runs this file.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BPMN_DIR, ROOT } from '../support/bpmn-engine';

const BPMNLINT = join(ROOT, 'node_modules', 'bpmnlint', 'bin', 'bpmnlint.js');

/**
 * Rules a block breaks on purpose, with the reason; bpmnlint has no way to turn a rule off for one file
 * (bpmn-io/bpmnlint#116), so such a file is linted with .bpmnlintrc minus these rules.
 */
const RULES_OFF: Record<string, Record<string, string>> = {
  'EchoLoop.bpmn': {
    'end-event-required': 'the loop never ends on its own: its one end is in the event subprocess that stops it',
  },
};

function lint(globs: string[], config?: string): { status: number | null; output: string } {
  const args = [BPMNLINT, '--max-warnings=0', ...(config ? ['--config', config] : []), ...globs];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Lints one block with .bpmnlintrc, less the rules it breaks on purpose. */
function lintBlock(file: string): { status: number | null; output: string } {
  const off = Object.keys(RULES_OFF[file] ?? {});
  if (off.length === 0) return lint([join('bpmn', file)]);
  const config = JSON.parse(readFileSync(join(ROOT, '.bpmnlintrc'), 'utf8'));
  config.rules = { ...config.rules, ...Object.fromEntries(off.map((rule) => [rule, 'off'])) };
  const dir = mkdtempSync(join(ROOT, '.local', 'bpmnlint-'));
  try {
    writeFileSync(join(dir, 'bpmnlintrc.json'), JSON.stringify(config));
    return lint([join('bpmn', file)], join(dir, 'bpmnlintrc.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bpmnlint', () => {
  const blocks = readdirSync(BPMN_DIR).filter((f) => f.endsWith('.bpmn'));

  for (const file of blocks) {
    it(`finds no error and no warning in bpmn/${file}`, () => {
      const { status, output } = lintBlock(file);
      expect(output.trim(), output).to.equal('');
      expect(status, output).to.equal(0);
    });
  }

  it('turns a rule off only for a block that breaks it', () => {
    for (const [file, rules] of Object.entries(RULES_OFF)) {
      expect(blocks, file).to.include(file);
      const { output } = lint([join('bpmn', file)]);
      for (const [rule, reason] of Object.entries(rules))
        expect(output, `${file} ${rule} (${reason})`).to.contain(rule);
    }
  });

  it('finds no error and no warning in the test fixtures', () => {
    const { status, output } = lint(['test/bpmn/fixtures/*.bpmn']);
    expect(status, output).to.equal(0);
  });

  it('reports a broken model, so that this test can fail', () => {
    const { status, output } = lint(['test/bpmn/fixtures/lint/*.bpmn']);
    expect(status).to.not.equal(0);
    expect(output).to.contain('no-disconnected').and.contain('label-required');
  });
});
