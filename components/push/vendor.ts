// The worker library inside a function's archive. A function's package.json may depend on
// `@camunda-serverless/worker`, which is not published: Cloud Build's Node.js buildpack (npm ci, then
// `npm run gcp-build`) could not fetch it. So the archive carries it: its package.json and compiled
// dist under vendor/camunda-serverless-worker/, the function's dependency rewritten to
// `file:vendor/camunda-serverless-worker`, and the function's package-lock.json locks that layout
// (scripts/lock-function.ts writes it).

import * as fs from 'node:fs';
import * as path from 'node:path';

export const WORKER_PACKAGE = '@camunda-serverless/worker';
/** Where the library goes inside the archive. */
export const VENDOR_DIR = 'vendor/camunda-serverless-worker';
/** What builds the library's dist in this repository. */
export const WORKER_BUILD_COMMAND = 'npm run build --workspace worker';

export type Manifest = {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
};

/** One file of an archive: its `/`-separated path and content. */
export interface ArchiveFile {
  readonly path: string;
  readonly content: Buffer;
  /** The file on disk it is, if any (uploaded as is); else it is generated. */
  readonly from?: string;
}

/** The file `rel` of `dir`, at `archivePath` in the archive. */
export function fileAt(dir: string, rel: string, archivePath: string): ArchiveFile {
  const from = path.join(dir, ...rel.split('/'));
  return { path: archivePath, content: fs.readFileSync(from), from };
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

export function dependsOnWorker(manifest: Manifest): boolean {
  return manifest.dependencies?.[WORKER_PACKAGE] !== undefined;
}

/** The function's package.json as the archive holds it: the library from the vendored folder. */
export function archiveManifest(manifest: Manifest): Manifest {
  if (!dependsOnWorker(manifest)) return manifest;
  return { ...manifest, dependencies: { ...manifest.dependencies, [WORKER_PACKAGE]: `file:${VENDOR_DIR}` } };
}

/** The library's package.json as vendored: what npm installs from (no scripts, no development tools). */
export function vendoredManifest(worker: Manifest): Manifest {
  const keep = ['name', 'version', 'description', 'license', 'main', 'types', 'engines', 'dependencies'];
  return Object.fromEntries(Object.entries(worker).filter(([key]) => keep.includes(key)));
}

const isWorkerPackage = (dir: string): boolean =>
  fs.existsSync(path.join(dir, 'package.json')) && readManifest(dir).name === WORKER_PACKAGE;

/**
 * The library's folder: as the function's folder resolves it (the workspace's link in this
 * repository, a user's node_modules), else the copy shipped beside the components.
 */
export function workerPackageDir(sourceDir: string): string {
  try {
    const found = path.dirname(require.resolve(`${WORKER_PACKAGE}/package.json`, { paths: [sourceDir] }));
    if (isWorkerPackage(found)) return found;
  } catch {
    // Not installed where the function is: look beside the components.
  }
  // components/push in this repository, dist/components/push in the installed package.
  const shipped = [path.resolve(__dirname, '..', '..', 'worker'), path.resolve(__dirname, '..', '..', '..', 'worker')];
  const dir = shipped.find(isWorkerPackage);
  if (!dir) {
    throw new Error(
      `function source ${sourceDir} depends on ${WORKER_PACKAGE}, which is neither installed there nor shipped ` +
        `beside the components (${shipped.join(', ')}): install it (npm install ${WORKER_PACKAGE})`,
    );
  }
  return dir;
}

function listFiles(dir: string, relative = ''): string[] {
  return fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listFiles(dir, rel);
    // Source maps point at sources the archive does not hold; build info is the compiler's own.
    return entry.isFile() && !/\.(?:map|tsbuildinfo)$/.test(entry.name) ? [rel] : [];
  });
}

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/**
 * The library's files under VENDOR_DIR: its package.json and, unless `withDist` is false (locking
 * needs none), its compiled dist. A missing dist fails with the command that builds it.
 */
export function vendoredWorkerFiles(sourceDir: string, options: { withDist?: boolean } = {}): ArchiveFile[] {
  const workerDir = workerPackageDir(sourceDir);
  const manifest = json(vendoredManifest(readManifest(workerDir)));
  if (options.withDist === false) return [{ path: `${VENDOR_DIR}/package.json`, content: manifest }];
  const dist = path.join(workerDir, 'dist');
  if (!fs.existsSync(path.join(dist, 'index.js'))) {
    throw new Error(
      `function source ${sourceDir} depends on ${WORKER_PACKAGE}, whose build ${path.join(dist, 'index.js')} is ` +
        `missing: run \`${WORKER_BUILD_COMMAND}\` (in this repository) first`,
    );
  }
  const files = listFiles(dist)
    .sort()
    .map((rel) => fileAt(dist, rel, `${VENDOR_DIR}/dist/${rel}`));
  return [{ path: `${VENDOR_DIR}/package.json`, content: manifest }, ...files];
}

/** The function's package.json as the archive holds it, serialized. */
export function archiveManifestFile(sourceDir: string): ArchiveFile {
  return { path: 'package.json', content: json(archiveManifest(readManifest(sourceDir))) };
}
