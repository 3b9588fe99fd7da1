// A function's archive written to a directory, as Cloud Build unpacks it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveFiles } from '../../../components/source-archive';

/** Writes the archive of the function in `dir` into a fresh directory; returns it. */
export function unpackArchive(dir: string): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-archive-'));
  for (const file of archiveFiles(dir)) {
    const at = path.join(target, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, file.content);
  }
  return target;
}

/** A function folder of its own with a package.json only (removed after the test file's run). */
export function fixtureSource(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, main: 'dist/index.js' }));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
