// Writes a function's package-lock.json for the archive PushWorker uploads: the package.json as the
// archive holds it (@camunda-serverless/worker from vendor/camunda-serverless-worker) beside the
// vendored library's package.json, locked by npm in a scratch directory, so that Cloud Build's
// `npm ci` accepts it. Run it after changing the function's or the worker library's dependencies.
// Usage: tsx scripts/lock-function.ts <function directory>   (npm run lock:echo-function for echo-function/)

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveManifestFile, dependsOnWorker, readManifest, vendoredWorkerFiles } from '../components/push/vendor';

/** Locks the function in `dir`; returns the lock file written. */
export function lockFunction(dir: string): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-function-'));
  try {
    // Locking needs the manifests only, not the library's build.
    const files = [
      archiveManifestFile(dir),
      ...(dependsOnWorker(readManifest(dir)) ? vendoredWorkerFiles(dir, { withDist: false }) : []),
    ];
    for (const file of files) {
      const target = path.join(scratch, ...file.path.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
    }
    // --workspaces=false: the scratch directory is a project of its own, not part of this repository's workspace.
    execFileSync(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--workspaces=false', '--no-audit', '--no-fund'],
      { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const lockFile = path.join(dir, 'package-lock.json');
    fs.copyFileSync(path.join(scratch, 'package-lock.json'), lockFile);
    return lockFile;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir || !fs.existsSync(path.join(dir, 'package.json'))) {
    process.stderr.write('usage: tsx scripts/lock-function.ts <function directory with a package.json>\n');
    process.exit(2);
  }
  process.stdout.write(`wrote ${lockFunction(path.resolve(dir))}\n`);
}
