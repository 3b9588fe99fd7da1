// The function source archive: its object name follows its content (so a change redeploys and no
// change deploys nothing), and build output, dependencies and tests stay out of the upload.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { defaultEchoFunctionSource } from '../../components/paths';
import { archiveFiles, functionSource, listSourceFiles } from '../../components/source-archive';
import { expect } from 'chai';

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(root, ...rel.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

describe('function source archive', () => {
  const roots: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-source-'));
    roots.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads sources and manifests, not node_modules, dist, tests or dotfiles', () => {
    const dir = tempDir();
    writeTree(dir, {
      'package.json': '{"name":"f","main":"dist/index.js"}',
      'tsconfig.json': '{}',
      'src/index.ts': 'export {}',
      'src/lib/util.ts': 'export {}',
      'node_modules/x/index.js': '',
      'dist/index.js': '',
      'test/index.test.ts': '',
      '.env': 'SECRET=1',
      'tsconfig.tsbuildinfo': '',
    });
    expect(listSourceFiles(dir)).to.deep.equal(['package.json', 'src/index.ts', 'src/lib/util.ts', 'tsconfig.json']);
  });

  it('names the object after the content: same content, same name; any change, a new name', () => {
    const files = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}\.ts$/), fc.string({ maxLength: 40 }), {
      minKeys: 1,
      maxKeys: 4,
    });
    fc.assert(
      fc.property(files, fc.string({ minLength: 1, maxLength: 20 }), (sources, extra) => {
        const a = tempDir();
        const b = tempDir();
        const tree = {
          'package.json': '{}',
          ...Object.fromEntries(Object.entries(sources).map(([k, v]) => [`src/${k}`, v])),
        };
        writeTree(a, tree);
        writeTree(b, tree);
        const same = functionSource(b, 'echo').objectName === functionSource(a, 'echo').objectName;
        const [first] = Object.keys(tree).filter((k) => k.startsWith('src/'));
        writeTree(b, { [first as string]: `${tree[first as keyof typeof tree]}${extra}` });
        const changed = functionSource(b, 'echo').objectName !== functionSource(a, 'echo').objectName;
        return same && changed;
      }),
      { numRuns: 25 },
    );
  });

  it('a renamed file is a change too', () => {
    const a = tempDir();
    const b = tempDir();
    writeTree(a, { 'package.json': '{}', 'src/a.ts': 'x' });
    writeTree(b, { 'package.json': '{}', 'src/b.ts': 'x' });
    expect(functionSource(a, 'echo').objectName).to.not.equal(functionSource(b, 'echo').objectName);
  });

  it('changes outside the upload (dist, node_modules) do not redeploy', () => {
    const dir = tempDir();
    writeTree(dir, { 'package.json': '{}', 'src/index.ts': 'export {}' });
    const before = functionSource(dir, 'echo').objectName;
    writeTree(dir, { 'dist/index.js': 'compiled', 'node_modules/a/b.js': 'dep' });
    expect(functionSource(dir, 'echo').objectName).to.equal(before);
  });

  it('refuses a directory without package.json, naming it', () => {
    const dir = tempDir();
    expect(() => functionSource(dir, 'echo')).to.throw(/has no package.json/);
  });

  it('refuses a package-lock.json that does not lock its package.json, naming the fix', () => {
    const dir = tempDir();
    writeTree(dir, {
      'package.json': '{"dependencies":{"zod":"^4.6.7"}}',
      'package-lock.json': '{"lockfileVersion":3,"packages":{"":{"dependencies":{"zod":"^3.0.0"}}}}',
    });
    expect(() => functionSource(dir, 'echo')).to.throw(/package-lock\.json does not lock the dependencies.*regenerate/);
    writeTree(dir, { 'package-lock.json': '{"lockfileVersion":3,"packages":{"":{"dependencies":{"zod":"^4.6.7"}}}}' });
    expect(functionSource(dir, 'echo').files).to.deep.equal(['package-lock.json', 'package.json']);
  });

  it("ships the echo function's lock file, locking exactly the package.json its archive holds", () => {
    const dir = defaultEchoFunctionSource();
    const source = functionSource(dir, 'camunda-dev-echo-source');
    expect(source.files).to.include('package-lock.json');
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    // The archive's package.json: the worker library from its vendored folder (push-archive.test.ts).
    const manifest = JSON.parse(
      archiveFiles(dir)
        .find((f) => f.path === 'package.json')
        ?.content.toString('utf8') ?? '{}',
    );
    const lock = read('package-lock.json');
    expect(lock.lockfileVersion).to.equal(3);
    expect(lock.packages[''].dependencies).to.deep.equal(manifest.dependencies);
    expect(lock.packages[''].devDependencies).to.deep.equal(manifest.devDependencies);
    // Every direct dependency from the registry is locked to a version with its integrity (what `npm ci` installs).
    const registry = (deps: Record<string, string>) => Object.keys(deps).filter((n) => !deps[n]?.startsWith('file:'));
    for (const name of [...registry(manifest.dependencies), ...registry(manifest.devDependencies)]) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry?.version, name).to.match(/^\d+\.\d+\.\d+/);
      expect(entry?.integrity, name).to.match(/^sha512-/);
    }
    // The lock is part of the content: a change to it is a new object name.
    const copy = tempDir();
    for (const rel of listSourceFiles(dir))
      writeTree(copy, { [rel]: fs.readFileSync(path.join(dir, ...rel.split('/')), 'utf8') });
    expect(functionSource(copy, 'camunda-dev-echo-source').objectName).to.equal(source.objectName);
    writeTree(copy, { 'package-lock.json': JSON.stringify({ ...lock, name: 'changed' }) });
    expect(functionSource(copy, 'camunda-dev-echo-source').objectName).to.not.equal(source.objectName);
  });

  it("finds this repository's echo-function/ and archives it under a content name", () => {
    const dir = defaultEchoFunctionSource();
    const source = functionSource(dir, 'camunda-dev-echo-source');
    expect(path.basename(dir)).to.equal('echo-function');
    expect(source.files).to.include('package.json');
    expect(source.files.every((f) => !f.startsWith('node_modules/') && !f.startsWith('dist/'))).to.equal(true);
    expect(source.objectName).to.match(/^camunda-dev-echo-source-[0-9a-f]{16}\.zip$/);
  });
});
