// Does node_modules hold what package-lock.json says? scripts/env.sh asks before it trusts an existing
// node_modules: an `npm ci` inside the echo-function workspace, or an interrupted install, leaves one that
// is half replaced while package-lock.json itself is unchanged.
//
// npm records what it installed in node_modules/.package-lock.json (the hidden lockfile). node_modules
// matches when that file lists every package of package-lock.json at the same version (optional packages
// of other platforms may be absent), lists nothing else, and every listed folder is there.
//
// Usage: node scripts/installed-packages.cjs ROOT. Exit 0 when it matches; otherwise exit 1 and one line
// on stderr saying what differs. Plain Node.js only: it must run when node_modules is broken.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The first difference between the lock file's packages and the installed ones, or undefined. */
function difference(locked, installed, folderExists) {
  for (const [path, entry] of Object.entries(locked)) {
    if (path === '') continue; // the project itself
    const got = installed[path];
    if (!got) {
      if (entry.optional) continue; // e.g. @esbuild/darwin-arm64 on Linux
      return `${path} is missing`;
    }
    if (got.version !== entry.version) return `${path} is ${got.version}, the lock file wants ${entry.version}`;
    if (Boolean(got.link) !== Boolean(entry.link) || got.resolved !== entry.resolved)
      return `${path} is installed from ${got.resolved}, the lock file wants ${entry.resolved}`;
    if (!folderExists(path)) return `${path} is listed as installed but its folder is gone`;
  }
  const extra = Object.keys(installed).find((path) => !(path in locked));
  return extra && `${extra} is installed but not in the lock file`;
}

function check(root) {
  const hidden = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hidden)) return 'node_modules/.package-lock.json is missing';
  const read = (file) => JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
  try {
    return difference(read(join(root, 'package-lock.json')), read(hidden), (path) => existsSync(join(root, path)));
  } catch (error) {
    return `cannot read the lock files: ${error.message}`;
  }
}

const problem = check(process.argv[2] ?? process.cwd());
if (problem) {
  process.stderr.write(`node_modules does not match package-lock.json: ${problem}\n`);
  process.exitCode = 1;
}
