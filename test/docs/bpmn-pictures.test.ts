// The pictures in docs/bpmn/ must show the models in bpmn/ as they are now. Each picture carries the
// sha256 of the model it was rendered from, so this runs without a browser; where a Chromium is
// installed, one model is also rendered again and compared with its picture.

import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  BPMN_DIR,
  describePictureProblem,
  drawnElementIds,
  findPictureProblems,
  listModels,
  modelHash,
  PICTURE_DIR,
  pictureElementIds,
  pictureFileName,
  readStamp,
  REGENERATE_COMMAND,
  stampSvg,
} from '../../scripts/bpmn-pictures';
import { findChromium, launchChromium, renderPicture } from '../../scripts/render-bpmn';

const read = (path: string): string => readFileSync(path, 'utf8');

describe('BPMN pictures (docs/bpmn)', () => {
  it('every model in bpmn/ has a picture of its current content, and no picture is left without a model', () => {
    const problems = findPictureProblems().map(describePictureProblem);
    expect(problems, `pictures out of date:\n  ${problems.join('\n  ')}\n`).to.deep.equal([]);
  });

  it('each picture shows exactly the elements its model draws', () => {
    for (const model of listModels()) {
      const drawn = drawnElementIds(read(join(BPMN_DIR, model)));
      const shown = pictureElementIds(read(join(PICTURE_DIR, pictureFileName(model))));
      expect(drawn, `bpmn/${model} draws no elements`).to.not.be.empty;
      expect(
        shown,
        `docs/bpmn/${pictureFileName(model)} against bpmn/${model}: run ${REGENERATE_COMMAND}`,
      ).to.deep.equal(drawn);
    }
  });

  describe('staleness check', () => {
    let dir: string;
    let models: string;
    let pictures: string;
    const model =
      '<?xml version="1.0"?>\n<bpmn:definitions><bpmndi:BPMNShape bpmnElement="Task_A" /></bpmn:definitions>\n';
    const picture = (xml: string, name = 'A.bpmn'): string =>
      stampSvg(
        '<?xml version="1.0" encoding="utf-8"?>\n<svg><g data-element-id="Task_A"/></svg>\n',
        name,
        modelHash(xml),
      );

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'bpmn-pictures-'));
      models = join(dir, 'bpmn');
      pictures = join(dir, 'pictures');
      for (const d of [models, pictures]) mkdirSync(d);
      writeFileSync(join(models, 'A.bpmn'), model);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('accepts a picture whose stamp matches the model', () => {
      writeFileSync(join(pictures, 'A.svg'), picture(model));
      expect(findPictureProblems(models, pictures)).to.deep.equal([]);
    });

    it('names the missing picture and the command that makes it', () => {
      const problems = findPictureProblems(models, pictures);
      expect(problems).to.deep.equal([{ kind: 'missing', model: 'A.bpmn', picture: 'A.svg' }]);
      expect(describePictureProblem(problems[0]!)).to.equal(
        'bpmn/A.bpmn has no picture docs/bpmn/A.svg: run npm run docs:bpmn',
      );
    });

    it('finds a picture of an edited model stale, by content and not by file time', () => {
      writeFileSync(join(pictures, 'A.svg'), picture(model));
      writeFileSync(join(models, 'A.bpmn'), model.replace('Task_A', 'Task_B'));
      const problems = findPictureProblems(models, pictures);
      expect(problems).to.deep.equal([{ kind: 'stale', model: 'A.bpmn', picture: 'A.svg' }]);
      expect(describePictureProblem(problems[0]!))
        .to.contain('docs/bpmn/A.svg shows an older bpmn/A.bpmn')
        .and.contain(REGENERATE_COMMAND);
    });

    it('finds a picture stamped for another model stale', () => {
      writeFileSync(join(pictures, 'A.svg'), picture(model, 'B.bpmn'));
      expect(findPictureProblems(models, pictures)).to.deep.equal([
        { kind: 'stale', model: 'A.bpmn', picture: 'A.svg' },
      ]);
    });

    it('does not count a CRLF checkout of the same model as a change', () => {
      writeFileSync(join(pictures, 'A.svg'), picture(model));
      writeFileSync(join(models, 'A.bpmn'), model.replace(/\n/g, '\r\n'));
      expect(findPictureProblems(models, pictures)).to.deep.equal([]);
    });

    it('reports a picture without a stamp, and one whose model is gone', () => {
      writeFileSync(join(pictures, 'A.svg'), '<svg/>');
      writeFileSync(join(pictures, 'Gone.svg'), picture(model, 'Gone.bpmn'));
      const problems = findPictureProblems(models, pictures);
      expect(problems).to.deep.equal([
        { kind: 'unstamped', model: 'A.bpmn', picture: 'A.svg' },
        { kind: 'orphaned', picture: 'Gone.svg' },
      ]);
      expect(describePictureProblem(problems[1]!)).to.contain('docs/bpmn/Gone.svg has no model in bpmn/');
    });

    it('puts the stamp after the XML declaration, where readStamp finds it', () => {
      const svg = stampSvg('<?xml version="1.0" encoding="utf-8"?>\n<svg/>', 'A.bpmn', 'a'.repeat(64));
      expect(svg.split('\n')[0]).to.equal('<?xml version="1.0" encoding="utf-8"?>');
      expect(readStamp(svg)).to.deep.equal({ source: 'bpmn/A.bpmn', hash: 'a'.repeat(64) });
      expect(readStamp(stampSvg('<svg/>', 'A.bpmn', 'b'.repeat(64)))).to.deep.equal({
        source: 'bpmn/A.bpmn',
        hash: 'b'.repeat(64),
      });
    });
  });

  describe('rendering again (only where a Chromium is installed)', function () {
    this.timeout(120_000);

    it('renders EchoLoop.bpmn to the picture in docs/bpmn: same model, same elements, same labels', async function () {
      const executable = findChromium();
      if (!executable) this.skip();
      const browser = await launchChromium(executable as string);
      try {
        const { svg } = await renderPicture(browser, 'EchoLoop.bpmn');
        const stored = read(join(PICTURE_DIR, 'EchoLoop.svg'));
        expect(readStamp(svg)).to.deep.equal(readStamp(stored));
        expect([...svg.matchAll(/data-element-id="([^"]+)"/g)].map((m) => m[1])).to.deep.equal(
          [...stored.matchAll(/data-element-id="([^"]+)"/g)].map((m) => m[1]),
        );
        // Label line breaks depend on the fonts installed, the words do not.
        const words = (text: string): string =>
          text
            .replace(/<[^>]+>/g, ' ')
            .replace(/<!--[\s\S]*?-->/g, '')
            .replace(/\s+/g, '');
        expect(words(svg.slice(svg.indexOf('<svg')))).to.equal(words(stored.slice(stored.indexOf('<svg'))));
      } finally {
        await browser.close();
      }
    });
  });
});
