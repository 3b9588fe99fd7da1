/**
 * Renders every bpmn/*.bpmn to docs/bpmn/<Name>.svg with bpmn-js in a headless Chromium, and stamps
 * each picture with the sha256 of its model so test/docs/bpmn-pictures.test.ts can tell a stale
 * picture from a current one without a browser.
 *
 *   npm run docs:bpmn                   # all models; removes pictures whose model is gone
 *   npm run docs:bpmn -- PushTask.bpmn  # only the models named
 *
 * The browser is the system's Chromium (Debian: apt-get install chromium), never a download:
 * CHROMIUM_PATH overrides where it is looked for. The page is blank and gets bpmn-js's distributed
 * viewer bundle from node_modules; every network request is refused.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

import {
  BPMN_DIR,
  listModels,
  listPictures,
  modelHash,
  PICTURE_DIR,
  pictureFileName,
  REPOSITORY_ROOT,
  stampSvg,
} from './bpmn-pictures';

const VIEWER_BUNDLE = join(REPOSITORY_ROOT, 'node_modules', 'bpmn-js', 'dist', 'bpmn-viewer.production.min.js');
const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** The system Chromium, or undefined when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) return existsSync(configured) ? configured : undefined;
  return CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
}

/**
 * bpmn-js gives the arrow-head markers of each rendering a random suffix. Numbering them in order of
 * appearance makes the same model render to the same text, so a regenerated picture of an unchanged
 * model shows no diff.
 */
export function stabiliseMarkerIds(svg: string): string {
  const renames = new Map<string, string>();
  for (const match of svg.matchAll(/<marker\b[^>]*\bid="([^"]+)"/g)) {
    const id = match[1] as string;
    if (!renames.has(id)) renames.set(id, `${id.replace(/-[0-9a-z]{20,}$/, '')}-${renames.size + 1}`);
  }
  let result = svg;
  // The random suffixes are long enough that replacing every occurrence touches nothing else.
  for (const [from, to] of renames) result = result.split(from).join(to);
  return result;
}

/** Renders BPMN XML to SVG text, in a page of an already started browser. */
export async function renderBpmn(browser: Browser, bpmnXml: string): Promise<{ svg: string; warnings: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  try {
    // Nothing may come from the network: the bundle is injected from disk below.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(
      '<!DOCTYPE html><html><body style="margin:0"><div id="canvas" style="width:1600px;height:1000px"></div></body></html>',
    );
    await page.addScriptTag({ content: readFileSync(VIEWER_BUNDLE, 'utf8') });
    return await page.evaluate(async (xml: string) => {
      // BpmnJS is the global the viewer bundle defines.
      const Viewer = (globalThis as unknown as { BpmnJS: new (options: { container: string }) => BpmnViewer }).BpmnJS;
      interface BpmnViewer {
        importXML(xml: string): Promise<{ warnings: { message: string }[] }>;
        saveSVG(): Promise<{ svg: string }>;
        destroy(): void;
      }
      const viewer = new Viewer({ container: '#canvas' });
      const { warnings } = await viewer.importXML(xml);
      const { svg } = await viewer.saveSVG();
      viewer.destroy();
      return { svg, warnings: warnings.map((w) => w.message) };
    }, bpmnXml);
  } finally {
    await page.close();
  }
}

/** The finished picture of one model: rendered, marker ids stabilised, stamped with the model's hash. */
export async function renderPicture(
  browser: Browser,
  bpmnFileName: string,
  bpmnDir = BPMN_DIR,
): Promise<{ svg: string; warnings: string[] }> {
  const xml = readFileSync(join(bpmnDir, bpmnFileName), 'utf8');
  const { svg, warnings } = await renderBpmn(browser, xml);
  return { svg: `${stampSvg(stabiliseMarkerIds(svg), bpmnFileName, modelHash(xml)).trimEnd()}\n`, warnings };
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI runners and containers often run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

async function main(argv: string[]): Promise<number> {
  const all = listModels();
  const wanted = argv.length > 0 ? argv.map((a) => a.replace(/^bpmn\//, '')) : all;
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    console.error(`render-bpmn: no such model in bpmn/: ${unknown.join(', ')} (models: ${all.join(', ')})`);
    return 2;
  }
  const executable = findChromium();
  if (!executable) {
    console.error(
      'render-bpmn: no Chromium found. Install the system one (Debian: apt-get install chromium) or set CHROMIUM_PATH.',
    );
    return 3;
  }
  if (!existsSync(VIEWER_BUNDLE)) {
    console.error(`render-bpmn: ${VIEWER_BUNDLE} is missing: run npm ci`);
    return 3;
  }
  mkdirSync(PICTURE_DIR, { recursive: true });
  const browser = await launchChromium(executable);
  try {
    for (const model of wanted) {
      const { svg, warnings } = await renderPicture(browser, model);
      const target = join(PICTURE_DIR, pictureFileName(model));
      const unchanged = existsSync(target) && readFileSync(target, 'utf8') === svg;
      if (!unchanged) writeFileSync(target, svg);
      console.log(
        `render-bpmn: bpmn/${model} -> docs/bpmn/${pictureFileName(model)}${unchanged ? ' (unchanged)' : ''}`,
      );
      for (const warning of warnings) console.warn(`render-bpmn:   bpmn-js warning: ${warning}`);
    }
  } finally {
    await browser.close();
  }
  if (argv.length === 0) {
    const expected = new Set(all.map(pictureFileName));
    for (const picture of listPictures()) {
      if (expected.has(picture)) continue;
      rmSync(join(PICTURE_DIR, picture));
      console.log(`render-bpmn: removed docs/bpmn/${picture} (its model is gone)`);
    }
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`render-bpmn: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
