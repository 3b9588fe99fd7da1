/**
 * bpmnlint with the recommended rules and the Camunda 7.24 compatibility rules (.bpmnlintrc) over the
 * building blocks and the test fixtures: no error and no warning. The same command as `npm run lint:bpmn`.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { ROOT } from '../support/bpmn-engine';

const BPMNLINT = join(ROOT, 'node_modules', 'bpmnlint', 'bin', 'bpmnlint.js');

function lint(...globs: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [BPMNLINT, '--max-warnings=0', ...globs], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('bpmnlint', () => {
  it('finds no error and no warning in bpmn/*.bpmn', () => {
    const { status, output } = lint('bpmn/*.bpmn');
    expect(output.trim(), output).to.equal('');
    expect(status, output).to.equal(0);
  });

  it('finds no error and no warning in the test fixtures', () => {
    const { status, output } = lint('test/bpmn/fixtures/*.bpmn');
    expect(status, output).to.equal(0);
  });

  it('reports a broken model, so that this test can fail', () => {
    const { status, output } = lint('test/bpmn/fixtures/lint/*.bpmn');
    expect(status).to.not.equal(0);
    expect(output).to.contain('no-disconnected').and.contain('label-required');
  });
});
