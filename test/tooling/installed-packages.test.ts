/**
 * scripts/installed-packages.cjs, the check with which scripts/env.sh decides that an existing
 * node_modules no longer matches package-lock.json and installs the packages again. Run as env.sh runs
 * it, on a throwaway project whose lock file and hidden lockfile (node_modules/.package-lock.json) each
 * case writes.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'installed-packages.cjs');

type Packages = Record<string, { version?: string; resolved?: string; link?: boolean; optional?: boolean }>;

const LOCKED: Packages = {
  '': { version: '0.1.0' },
  'node_modules/zod': { version: '4.6.7', resolved: 'https://registry.npmjs.org/zod/-/zod-4.6.7.tgz' },
  'node_modules/mocha/node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz' },
  'node_modules/fsevents': { version: '2.3.3', optional: true },
  'node_modules/@camunda-serverless/echo-function': { resolved: 'echo-function', link: true },
  'echo-function': { version: '0.1.0' },
};

/** What npm writes after installing LOCKED on Linux: no root entry, no fsevents. */
function installedAsLocked(): Packages {
  const { '': _root, 'node_modules/fsevents': _skipped, ...installed } = LOCKED;
  return structuredClone(installed);
}

describe('scripts/installed-packages.cjs (does node_modules match package-lock.json?)', () => {
  let root: string;

  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'installed-packages-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Writes the project, creates a folder for every installed package, and runs the check on it. */
  function check(installed: Packages | undefined, folders = Object.keys(installed ?? {})) {
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: LOCKED }));
    mkdirSync(join(root, 'node_modules'));
    for (const folder of folders) mkdirSync(join(root, folder), { recursive: true });
    if (installed)
      writeFileSync(join(root, 'node_modules', '.package-lock.json'), JSON.stringify({ packages: installed }));
    const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
    return { status: result.status, stderr: result.stderr.trim() };
  }

  it('accepts a node_modules that holds every locked package at its version (an optional one may be absent)', () => {
    expect(check(installedAsLocked())).to.deep.equal({ status: 0, stderr: '' });
  });

  it('refuses a missing package and names it', () => {
    const installed = installedAsLocked();
    delete installed['node_modules/zod'];
    expect(check(installed)).to.deep.equal({
      status: 1,
      stderr: 'node_modules does not match package-lock.json: node_modules/zod is missing',
    });
  });

  it('refuses a package at another version', () => {
    const installed = installedAsLocked();
    installed['node_modules/mocha/node_modules/ms'].version = '2.1.2';
    const { status, stderr } = check(installed);
    expect(status).to.equal(1);
    expect(stderr).to.contain('node_modules/mocha/node_modules/ms is 2.1.2, the lock file wants 2.1.3');
  });

  it('refuses a package the lock file does not know', () => {
    const installed = { ...installedAsLocked(), 'node_modules/left-pad': { version: '1.3.0' } };
    expect(check(installed).stderr).to.contain('node_modules/left-pad is installed but not in the lock file');
  });

  it('refuses a package whose folder is gone though the hidden lockfile lists it', () => {
    const folders = Object.keys(installedAsLocked()).filter((folder) => folder !== 'node_modules/zod');
    expect(check(installedAsLocked(), folders).stderr).to.contain('node_modules/zod is listed as installed');
  });

  it('refuses a node_modules without a hidden lockfile', () => {
    const { status, stderr } = check(undefined);
    expect(status).to.equal(1);
    expect(stderr).to.contain('node_modules/.package-lock.json is missing');
  });

  it('accepts the node_modules of this checkout', () => {
    const result = spawnSync(process.execPath, [SCRIPT, resolve(__dirname, '..', '..')], { encoding: 'utf8' });
    expect(result.stderr).to.equal('');
    expect(result.status).to.equal(0);
  });
});
