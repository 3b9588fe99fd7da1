// The npm package as a user gets it: `npm pack` (its `prepare` builds dist/), the packed file list
// (what the engine image build needs, never Maven's target/ or the tests), and the tarball installed
// into a fresh Pulumi TypeScript project whose index.ts is README's example: it type-checks and builds
// the same resources under Pulumi mocks as the components do from source.
//
// The project's node_modules links the package's declared dependencies to this repository's
// installed copies (no registry, and a dependency the package forgot to declare is not found).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { expect } from 'chai';
import { functionSource } from '../../components/source-archive';
import { runProgram, stackConfig } from '../components/support/mocks';

const ROOT = path.join(__dirname, '..', '..');

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { path: string }[];
}

/** README's TypeScript example under "Using the components in your own Pulumi project". */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Using the components in your own Pulumi project')[1] ?? '';
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ```ts example under "Using the components in your own Pulumi project"');
  return code;
}

/**
 * A `pulumi new typescript` project's compiler options (CommonJS, node10 resolution), or the same
 * with node16 resolution, which reads the package's `exports`. esModuleInterop: without it (or
 * skipLibCheck), zod's own .d.cts files, which the declarations reach, do not type-check.
 */
function compilerOptions(outDir: string, resolution: 'node10' | 'node16'): ts.CompilerOptions {
  return {
    esModuleInterop: true,
    strict: true,
    outDir,
    target: ts.ScriptTarget.ES2020,
    module: resolution === 'node16' ? ts.ModuleKind.Node16 : ts.ModuleKind.CommonJS,
    moduleResolution: resolution === 'node16' ? ts.ModuleResolutionKind.Node16 : ts.ModuleResolutionKind.Node10,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    forceConsistentCasingInFileNames: true,
    types: ['node'],
  };
}

/** Type-checks (and, with `emit`, compiles) the project's index.ts; returns the diagnostics as text. */
function compile(project: string, resolution: 'node10' | 'node16', emit: boolean): string {
  const program = ts.createProgram(
    [path.join(project, 'index.ts')],
    compilerOptions(path.join(project, 'bin'), resolution),
  );
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...(emit ? program.emit().diagnostics : [])];
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => project,
    getNewLine: () => '\n',
  });
}

/** Unpacks the tarball as node_modules/camunda-serverless and links its dependencies to ours. */
function installInto(project: string, tarball: string): string {
  const modules = path.join(project, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', modules]);
  const installed = path.join(modules, 'camunda-serverless');
  fs.renameSync(path.join(modules, 'package'), installed);
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  const names = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies), '@types/node'];
  for (const name of names) {
    fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name), 'dir');
  }
  return installed;
}

describe('the npm package', function () {
  // npm pack runs `prepare` (tsc over components/): seconds, more on a slow machine.
  this.timeout(180_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camunda-serverless-pack-'));
  let packed: PackResult;

  before(() => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // prepare's own output precedes the JSON on stdout.
    [packed] = JSON.parse(out.slice(out.indexOf('[\n'))) as PackResult[];
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('ships the built library, the BPMN, the settings catalogue and the image sources, nothing built or tested', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).to.include.members([
      'package.json',
      'README.md',
      'LICENSE',
      'dist/components/index.js',
      'dist/components/index.d.ts',
      'bpmn/EchoLoop.bpmn',
      'bpmn/PushTask.bpmn',
      'docker/camunda/engine-settings.json',
      'docker/camunda/Dockerfile',
      'docker/camunda/pom.xml',
      'docker/camunda/cds-training.sh',
      '.dockerignore',
      'echo-function/package.json',
      'echo-function/package-lock.json',
      'echo-function/src/index.ts',
    ]);
    expect(files.filter((f) => /(^|\/)(target|test|node_modules)\//.test(f))).to.deep.equal([]);
    expect(files.filter((f) => /\.test\.ts$|\.jar$|\.jsa$/.test(f))).to.deep.equal([]);
    // Every COPY of the Dockerfile from the build context finds its source in the package.
    const dockerfile = fs.readFileSync(path.join(ROOT, 'docker', 'camunda', 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)].map((m) => m[1] as string);
    expect(sources).to.include('docker/camunda/src');
    for (const source of sources)
      expect(
        files.some((f) => f === source || f.startsWith(`${source}/`)),
        source,
      ).to.equal(true);
    // A sanity bound, not a measurement: a built engine (target/) would add about 150 MB.
    expect(packed.size).to.be.below(5 * 1024 * 1024);
  });

  it("installs into a fresh Pulumi project where README's example type-checks and builds what the source builds", async () => {
    const project = path.join(tmp, 'user-project');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, main: 'bin/index.js', dependencies: {} }),
    );
    fs.writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: user-project\nruntime: nodejs\n');
    // README's example as it stands: an engine that checks its callers, with the echo loop on it.
    const example = readmeExample();
    expect(example).to.include('new EchoLoop(');
    fs.writeFileSync(path.join(project, 'index.ts'), example);
    const installed = installInto(project, path.join(tmp, packed.filename));

    expect(compile(project, 'node16', false)).to.equal('');
    expect(compile(project, 'node10', true)).to.equal('');

    const config = stackConfig();
    const fromPackage = await runProgram(() => require(path.join(project, 'bin', 'index.js')) as unknown, { config });
    // The same example against the components' sources in this repository.
    const fromSource = path.join(project, 'from-source.ts');
    fs.writeFileSync(fromSource, example.replace(/'camunda-serverless'/g, `'${path.join(ROOT, 'components')}'`));
    const reference = await runProgram(() => require(fromSource) as unknown, { config });

    const types = (run: typeof reference) => run.mocks.resources.map((r) => r.type).sort();
    expect(types(fromPackage)).to.deep.equal(types(reference));
    expect(fromPackage.mocks.resources.length).to.be.above(40);
    // The echo function's upload comes from the installed package, with its lock file.
    const fnSource = functionSource(path.join(installed, 'echo-function'), 'echo-source');
    expect(fnSource.files).to.include.members(['package.json', 'package-lock.json', 'src/index.ts']);
    const upload = fromPackage.mocks.resources.find((r) => r.type === 'gcp:storage/bucketObject:BucketObject');
    expect(upload?.inputs.name).to.equal(fnSource.objectName);
    expect(fromPackage.outputs.messageUrl).to.match(/^https:\/\/.*\/engine-rest\/message$/);
    // The engine image is built from the installed package's Dockerfile and sources.
    const image = fromPackage.mocks.resources.find((r) => r.type === 'docker:index/image:Image');
    expect(image?.inputs.build?.context).to.equal(installed);
  });
});
