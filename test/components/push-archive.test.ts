// A worker's function archive as Cloud Build receives it: written to a directory, it must install with
// `npm ci` from its own lock, the unpublished worker library from vendor/camunda-serverless-worker.
// Here the layout; push-archive-build.test.ts runs npm ci and gcp-build on it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { defaultEchoFunctionSource } from '../../components/paths';
import { VENDOR_DIR, WORKER_BUILD_COMMAND } from '../../components/push/vendor';
import { functionSource } from '../../components/source-archive';
import { unpackArchive } from './support/archive';

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(root, ...rel.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

const readJson = (...parts: string[]) => JSON.parse(fs.readFileSync(path.join(...parts), 'utf8'));

describe('function archive with the worker library vendored', () => {
  const roots: string[] = [];
  const keep = (dir: string): string => (roots.push(dir), dir);
  after(() => {
    for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("holds the echo function's sources, its package.json pointing at the vendored library, and a lock of that layout", () => {
    const archive = keep(unpackArchive(defaultEchoFunctionSource()));
    const manifest = readJson(archive, 'package.json');
    expect(manifest.dependencies['@camunda-serverless/worker']).to.equal(`file:${VENDOR_DIR}`);
    expect(manifest.scripts['gcp-build']).to.be.a('string');
    const vendored = readJson(archive, VENDOR_DIR, 'package.json');
    expect(vendored).to.include({ name: '@camunda-serverless/worker', main: 'dist/index.js' });
    // What npm would run or install for development stays behind.
    expect(vendored).to.not.have.any.keys('scripts', 'devDependencies');
    expect(fs.existsSync(path.join(archive, VENDOR_DIR, 'dist', 'index.js'))).to.equal(true);
    expect(fs.existsSync(path.join(archive, VENDOR_DIR, 'dist', 'index.d.ts'))).to.equal(true);
    expect(fs.existsSync(path.join(archive, 'src', 'index.ts'))).to.equal(true);
    const lock = readJson(archive, 'package-lock.json');
    expect(lock.packages[''].dependencies).to.deep.equal(manifest.dependencies);
    expect(lock.packages['node_modules/@camunda-serverless/worker']).to.deep.equal({
      resolved: VENDOR_DIR,
      link: true,
    });
    expect(lock.packages[VENDOR_DIR].dependencies).to.deep.equal(vendored.dependencies);
    for (const dependency of Object.keys(vendored.dependencies)) {
      expect(lock.packages[`node_modules/${dependency}`]?.integrity, dependency).to.match(/^sha512-/);
    }
  });

  /** A function depending on a worker library of its own (in its node_modules), with or without dist. */
  function fakeFunction(dist: Record<string, string>): string {
    const dir = keep(fs.mkdtempSync(path.join(os.tmpdir(), 'fn-worker-')));
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'f', dependencies: { '@camunda-serverless/worker': '0.1.0' } }),
      'src/index.ts': 'export {};',
      'node_modules/@camunda-serverless/worker/package.json': JSON.stringify({
        name: '@camunda-serverless/worker',
        version: '0.1.0',
        main: 'dist/index.js',
        scripts: { build: 'tsc' },
        dependencies: { zod: '^4.6.7' },
      }),
      ...Object.fromEntries(
        Object.entries(dist).map(([rel, text]) => [`node_modules/@camunda-serverless/worker/dist/${rel}`, text]),
      ),
    });
    return dir;
  }

  it('refuses a library without its build, naming the command that builds it', () => {
    const dir = fakeFunction({});
    expect(() => functionSource(dir, 'f')).to.throw(`run \`${WORKER_BUILD_COMMAND}\``);
  });

  it('a changed library build is a new object name; source maps stay out', () => {
    const dir = fakeFunction({ 'index.js': 'exports.v = 1;', 'index.js.map': '{}' });
    const first = functionSource(dir, 'f');
    expect(first.files).to.deep.equal([
      'package.json',
      'src/index.ts',
      `${VENDOR_DIR}/dist/index.js`,
      `${VENDOR_DIR}/package.json`,
    ]);
    writeTree(dir, { 'node_modules/@camunda-serverless/worker/dist/index.js': 'exports.v = 2;' });
    expect(functionSource(dir, 'f').objectName).to.not.equal(first.objectName);
  });

  it('refuses a lock of the unvendored package.json, naming the fix', () => {
    const dir = fakeFunction({ 'index.js': '' });
    writeTree(dir, {
      'package-lock.json': JSON.stringify({
        lockfileVersion: 3,
        packages: { '': { name: 'f', dependencies: { '@camunda-serverless/worker': '0.1.0' } } },
      }),
    });
    expect(() => functionSource(dir, 'f')).to.throw(/does not lock the dependencies.*scripts\/lock-function\.ts/);
  });
});
