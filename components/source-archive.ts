// A function's source as an archive whose object name is derived from its content. Cloud Functions
// only rebuilds when the source object changes name, so a content hash in the name makes every source
// change redeploy and an unchanged source deploy nothing. The source's package-lock.json goes with it,
// so that Cloud Build installs exactly the locked dependencies (`npm ci`); a source that depends on
// the worker library gets it vendored (push/vendor.ts).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import {
  type ArchiveFile,
  archiveManifest,
  archiveManifestFile,
  dependsOnWorker,
  fileAt,
  type Manifest,
  readManifest,
  VENDOR_DIR,
  vendoredManifest,
  vendoredWorkerFiles,
  workerPackageDir,
} from './push/vendor';

/** Directories that never belong in the upload: Cloud Build installs and compiles from source. */
const EXCLUDED_DIRS = new Set(['node_modules', 'dist', 'test', 'coverage', '.git']);
const EXCLUDED_FILE = /(?:\.tsbuildinfo|\.log|~)$/;

export interface FunctionSource {
  /** Paths relative to the source directory, `/`-separated, sorted. */
  readonly files: readonly string[];
  /** SHA-256 over every file's relative path and content, hex. */
  readonly hash: string;
  /** The object name to upload under: changes exactly when the hash changes. */
  readonly objectName: string;
  /** The archive to upload. */
  readonly archive: pulumi.asset.AssetArchive;
}

/** Lists the files of a function source directory that are uploaded (sorted, `/`-separated). */
export function listSourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      // Dotfiles (editor state, local env files) stay on the machine.
      if (entry.name.startsWith('.')) continue;
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) walk(rel);
      } else if (entry.isFile() && !EXCLUDED_FILE.test(entry.name)) {
        files.push(rel);
      }
    }
  };
  walk('');
  return files.sort();
}

function sameRanges(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

type Lock = { packages?: Record<string, Manifest> };

/**
 * Problems with a source's package-lock.json, if it has one: it must be a lock for the package.json
 * the archive holds (the same dependency ranges, the worker library from its vendored folder), or
 * Cloud Build's `npm ci` fails on it.
 */
export function lockFileProblem(dir: string): string | undefined {
  const lockFile = path.join(dir, 'package-lock.json');
  if (!fs.existsSync(lockFile)) return undefined;
  const manifest = archiveManifest(readManifest(dir));
  let lock: Lock;
  try {
    lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Lock;
  } catch {
    return `${lockFile} is not JSON`;
  }
  const locked = lock.packages?.[''];
  const stale =
    !locked ||
    !sameRanges(manifest.dependencies, locked.dependencies) ||
    !sameRanges(manifest.devDependencies, locked.devDependencies) ||
    (dependsOnWorker(manifest) &&
      !sameRanges(
        vendoredManifest(readManifest(workerPackageDir(dir))).dependencies,
        lock.packages?.[VENDOR_DIR]?.dependencies,
      ));
  if (stale) {
    return (
      `${lockFile} does not lock the dependencies of the package.json the archive holds: regenerate it ` +
      `(tsx scripts/lock-function.ts <dir>; npm run lock:echo-function for this repository's echo function)`
    );
  }
  return undefined;
}

/**
 * The files of a function's archive: the source's own, with the worker library vendored and the
 * package.json pointing at it when the source depends on the library.
 */
export function archiveFiles(dir: string): ArchiveFile[] {
  const manifest = readManifest(dir);
  const vendoring = dependsOnWorker(manifest);
  const own = listSourceFiles(dir)
    .filter((rel) => !(vendoring && (rel === 'package.json' || rel.startsWith(`${VENDOR_DIR}/`))))
    .map((rel) => fileAt(dir, rel, rel));
  if (!vendoring) return own;
  return [...own, archiveManifestFile(dir), ...vendoredWorkerFiles(dir)].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Hashes archive files; path and content both count, so a rename also redeploys. */
export function hashArchiveFiles(files: readonly ArchiveFile[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    hash.update(file.path).update('\0').update(String(file.content.length)).update('\0').update(file.content);
  }
  return hash.digest('hex');
}

/** Reads a function source directory into an archive named after its content. */
export function functionSource(dir: string, objectPrefix: string): FunctionSource {
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new Error(
      `function source ${dir} has no package.json: Cloud Functions needs one to build a Node.js function`,
    );
  }
  const lockProblem = lockFileProblem(dir);
  if (lockProblem) throw new Error(`function source ${dir}: ${lockProblem}`);
  const files = archiveFiles(dir);
  const hash = hashArchiveFiles(files);
  const assets: Record<string, pulumi.asset.Asset> = {};
  for (const file of files) {
    assets[file.path] = file.from
      ? new pulumi.asset.FileAsset(file.from)
      : new pulumi.asset.StringAsset(file.content.toString('utf8'));
  }
  return {
    files: files.map((file) => file.path),
    hash,
    // 16 hex digits (64 bits) are plenty to tell versions of one function apart.
    objectName: `${objectPrefix}-${hash.slice(0, 16)}.zip`,
    archive: new pulumi.asset.AssetArchive(assets),
  };
}
