// The echo function's source as an archive whose object name is derived from its content. Cloud
// Functions only rebuilds when the source object changes name, so a content hash in the name makes
// every source change redeploy and an unchanged source deploy nothing. The source's package-lock.json
// goes with it, so that Cloud Build installs exactly the locked dependencies (`npm ci`).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';

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

/** Hashes the listed files; path and content both count, so a rename also redeploys. */
export function hashSourceFiles(dir: string, files: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  for (const rel of files) {
    const content = fs.readFileSync(path.join(dir, ...rel.split('/')));
    hash.update(rel).update('\0').update(String(content.length)).update('\0').update(content);
  }
  return hash.digest('hex');
}

type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

function sameRanges(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * Problems with a source's package-lock.json, if it has one: it must be a lock for that very
 * package.json (the same dependency ranges), or Cloud Build's `npm ci` fails on it.
 */
export function lockFileProblem(dir: string): string | undefined {
  const lockFile = path.join(dir, 'package-lock.json');
  if (!fs.existsSync(lockFile)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  let locked: Manifest | undefined;
  try {
    locked = (JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { packages?: Record<string, Manifest> }).packages?.[''];
  } catch {
    return `${lockFile} is not JSON`;
  }
  if (
    !locked ||
    !sameRanges(manifest.dependencies, locked.dependencies) ||
    !sameRanges(manifest.devDependencies, locked.devDependencies)
  ) {
    return `${lockFile} does not lock the dependencies of its package.json: regenerate it (npm run lock:echo-function for this repository's echo function)`;
  }
  return undefined;
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
  const files = listSourceFiles(dir);
  const hash = hashSourceFiles(dir, files);
  const assets: Record<string, pulumi.asset.Asset> = {};
  for (const rel of files) assets[rel] = new pulumi.asset.FileAsset(path.join(dir, ...rel.split('/')));
  return {
    files,
    hash,
    // 16 hex digits (64 bits) are plenty to tell versions of one function apart.
    objectName: `${objectPrefix}-${hash.slice(0, 16)}.zip`,
    archive: new pulumi.asset.AssetArchive(assets),
  };
}
