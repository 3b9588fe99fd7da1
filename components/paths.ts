// Where the engine's Docker build context and the echo function's source live. The components run
// from source (components/) in this repository and from dist/components/ when installed as a
// package, so the repository root is found by walking up to the files it must contain.

import * as fs from 'node:fs';
import * as path from 'node:path';

function findUp(start: string, relative: string): string | undefined {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, relative))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The directory holding docker/camunda/Dockerfile and bpmn/ (the engine image's build context). */
export function defaultEngineBuildContext(): string {
  const root =
    findUp(__dirname, path.join('docker', 'camunda', 'Dockerfile')) ??
    findUp(__dirname, path.join('docker', 'camunda'));
  if (!root) {
    throw new Error(
      `CamundaServerless: cannot find docker/camunda above ${__dirname}; pass build.context, or image (a ready image by digest)`,
    );
  }
  return root;
}

/** The echo function's source directory (echo-function/, holding its package.json). */
export function defaultEchoFunctionSource(): string {
  const root = findUp(__dirname, path.join('echo-function', 'package.json'));
  if (!root) {
    throw new Error(`EchoLoop: cannot find echo-function/package.json above ${__dirname}; pass functionSourceDir`);
  }
  return path.join(root, 'echo-function');
}
