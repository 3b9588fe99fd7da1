// What ties a picture in docs/bpmn/ to its model in bpmn/: the model's content hash, written into the
// SVG when it is rendered. Kept free of the browser so the staleness test runs anywhere (CI has no
// Chromium); only scripts/render-bpmn.ts needs one.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export const REPOSITORY_ROOT = resolve(__dirname, '..');
export const BPMN_DIR = join(REPOSITORY_ROOT, 'bpmn');
export const PICTURE_DIR = join(REPOSITORY_ROOT, 'docs', 'bpmn');
export const REGENERATE_COMMAND = 'npm run docs:bpmn';

/**
 * The hash of a model's content. Line endings are normalised first: a checkout with CRLF line endings
 * holds the same model, and must not look stale.
 */
export function modelHash(bpmnXml: string): string {
  return createHash('sha256').update(bpmnXml.replace(/\r\n?/g, '\n'), 'utf8').digest('hex');
}

const STAMP = /<!-- camunda-serverless picture of (\S+) sha256:([0-9a-f]{64})\b[^>]*-->/;

/** The comment that records which model, in which version, a picture shows. */
export function pictureStamp(bpmnFileName: string, hash: string): string {
  return `<!-- camunda-serverless picture of bpmn/${bpmnFileName} sha256:${hash}; regenerate with: ${REGENERATE_COMMAND} -->`;
}

/** Puts the stamp right after the XML declaration (or first, when there is none). */
export function stampSvg(svg: string, bpmnFileName: string, hash: string): string {
  const stamp = pictureStamp(bpmnFileName, hash);
  const declaration = /^<\?xml[^>]*\?>\s*/.exec(svg);
  if (!declaration) return `${stamp}\n${svg}`;
  return `${declaration[0].trimEnd()}\n${stamp}\n${svg.slice(declaration[0].length)}`;
}

/** The model file and hash a picture was rendered from, or undefined when it carries no stamp. */
export function readStamp(svg: string): { source: string; hash: string } | undefined {
  const match = STAMP.exec(svg);
  return match ? { source: match[1] as string, hash: match[2] as string } : undefined;
}

/** docs/bpmn/<Name>.svg for bpmn/<Name>.bpmn. */
export function pictureFileName(bpmnFileName: string): string {
  return `${basename(bpmnFileName, '.bpmn')}.svg`;
}

export function listModels(dir = BPMN_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.bpmn'))
    .sort();
}

export function listPictures(dir = PICTURE_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.svg'))
    .sort();
}

/**
 * The ids of the BPMN elements a model draws (its BPMNShape and BPMNEdge references). bpmn-js marks
 * each drawn element with data-element-id, so a picture of the model must show exactly these.
 */
export function drawnElementIds(bpmnXml: string): string[] {
  const ids = new Set<string>();
  for (const match of bpmnXml.matchAll(/<bpmndi:BPMN(?:Shape|Edge)\b[^>]*\bbpmnElement="([^"]+)"/g))
    ids.add(match[1] as string);
  return [...ids].sort();
}

/** The element ids a rendered SVG shows, labels (`<id>_label`) folded into their element. */
export function pictureElementIds(svg: string): string[] {
  const ids = new Set<string>();
  for (const match of svg.matchAll(/data-element-id="([^"]+)"/g)) ids.add((match[1] as string).replace(/_label$/, ''));
  return [...ids].sort();
}

export type PictureProblem =
  | { kind: 'missing'; model: string; picture: string }
  | { kind: 'unstamped'; model: string; picture: string }
  | { kind: 'stale'; model: string; picture: string }
  | { kind: 'orphaned'; picture: string };

/** Every way the pictures in `pictureDir` disagree with the models in `bpmnDir`. */
export function findPictureProblems(bpmnDir = BPMN_DIR, pictureDir = PICTURE_DIR): PictureProblem[] {
  const problems: PictureProblem[] = [];
  const models = listModels(bpmnDir);
  const expected = new Set(models.map(pictureFileName));
  for (const model of models) {
    const picture = pictureFileName(model);
    const picturePath = join(pictureDir, picture);
    if (!existsSync(picturePath)) {
      problems.push({ kind: 'missing', model, picture });
      continue;
    }
    const stamp = readStamp(readFileSync(picturePath, 'utf8'));
    if (!stamp) problems.push({ kind: 'unstamped', model, picture });
    else if (stamp.source !== `bpmn/${model}` || stamp.hash !== modelHash(readFileSync(join(bpmnDir, model), 'utf8'))) {
      problems.push({ kind: 'stale', model, picture });
    }
  }
  for (const picture of listPictures(pictureDir)) {
    if (!expected.has(picture)) problems.push({ kind: 'orphaned', picture });
  }
  return problems;
}

/** One line per problem, each saying what to do. */
export function describePictureProblem(problem: PictureProblem): string {
  switch (problem.kind) {
    case 'missing':
      return `bpmn/${problem.model} has no picture docs/bpmn/${problem.picture}: run ${REGENERATE_COMMAND}`;
    case 'unstamped':
      return `docs/bpmn/${problem.picture} does not say which model it shows (no sha256 stamp): run ${REGENERATE_COMMAND}`;
    case 'stale':
      return `docs/bpmn/${problem.picture} shows an older bpmn/${problem.model} (its sha256 differs): run ${REGENERATE_COMMAND}`;
    case 'orphaned':
      return `docs/bpmn/${problem.picture} has no model in bpmn/ any more: delete it, or run ${REGENERATE_COMMAND} (which removes it)`;
  }
}
