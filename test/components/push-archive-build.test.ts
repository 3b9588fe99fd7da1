// The echo function's archive builds as Cloud Build's Node.js buildpack builds it: `npm ci` from the
// archive's own lock (the worker library from vendor/, everything else from the npm registry), then
// `npm run gcp-build`, and the built function loads the library. Slow (an install from the registry,
// about 20 s) and needs the network: for the integration tier (see the report of issue 16).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { defaultEchoFunctionSource } from '../../components/paths';
import { VENDOR_DIR } from '../../components/push/vendor';
import { unpackArchive } from './support/archive';

const npm = (dir: string, ...args: string[]): string =>
  execFileSync('npm', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

/** `npm ci` as the buildpack runs it: exactly the lock, development dependencies included (gcp-build needs them). */
const npmCi = (dir: string): string => npm(dir, 'ci', '--no-audit', '--no-fund', '--include=dev');

describe('function archive: npm ci and gcp-build as Cloud Build runs them', function () {
  this.timeout(600_000);
  let archive: string;
  before(() => {
    archive = unpackArchive(defaultEchoFunctionSource());
  });
  after(() => fs.rmSync(archive, { recursive: true, force: true }));

  it('installs from its lock, linking the vendored library, builds, and the build loads the library', () => {
    npmCi(archive);
    const link = path.join(archive, 'node_modules', '@camunda-serverless', 'worker');
    expect(fs.realpathSync(link)).to.equal(fs.realpathSync(path.join(archive, ...VENDOR_DIR.split('/'))));
    npm(archive, 'run', 'gcp-build');
    const main = (JSON.parse(fs.readFileSync(path.join(archive, 'package.json'), 'utf8')) as { main: string }).main;
    expect(fs.existsSync(path.join(archive, main))).to.equal(true);
    const resolved = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(require.resolve('@camunda-serverless/worker'))"],
      { cwd: archive, encoding: 'utf8' },
    );
    expect(resolved).to.equal(path.join(fs.realpathSync(archive), VENDOR_DIR, 'dist', 'index.js'));
  });
});
