import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { parseChaosArgs, reportText, UsageError } from '../../chaos/cli';
import { FAULT_CLASSES } from '../../chaos/schedule';

describe('npm run chaos options', () => {
  it('defaults to a full run: every class 20 times, 5,000 iterations, a fresh seed', () => {
    const options = parseChaosArgs([]);
    if (options === 'help') throw new Error('help');
    expect(options).to.deep.include({
      loops: 4,
      iterations: 5000,
      minFaultsPerClass: 20,
      recoveryBoundMs: 90_000,
      engineKillBoundMs: 60_000,
      json: false,
    });
    expect(options.classes).to.deep.equal([...FAULT_CLASSES]);
    expect(options.seed).to.be.a('number');
    expect(options).not.to.have.property('reportFile');
  });

  it('refuses a --report that names a folder', () => {
    const folder = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
    try {
      mkdirSync(join(folder, 'r.html'));
      expect(() => parseChaosArgs(['--report', join(folder, 'r.html')])).to.throw(UsageError, /r\.html is a folder/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('takes --report relative to the working folder, as an absolute path', () => {
    const options = parseChaosArgs(['--report', 'out.HTML']);
    if (options === 'help') throw new Error('help');
    expect(options.reportFile).to.equal(resolve('out.HTML'));
  });

  it('reads every option', () => {
    const options = parseChaosArgs([
      '--loops',
      '2',
      '--iterations',
      '100',
      '--min-faults',
      '1',
      '--duration',
      '60',
      '--faults',
      'lost-ack, engine-kill',
      '--seed',
      '7',
      '--recovery-seconds',
      '30',
      '--engine-kill-seconds',
      '50',
      '--json',
      '--run-folder',
      '/tmp/x',
      '--report',
      join(tmpdir(), 'chaos-report.html'),
    ]);
    expect(options).to.deep.equal({
      loops: 2,
      iterations: 100,
      minFaultsPerClass: 1,
      maxDurationMs: 60_000,
      classes: ['lost-ack', 'engine-kill'],
      seed: 7,
      recoveryBoundMs: 30_000,
      engineKillBoundMs: 50_000,
      json: true,
      runFolder: '/tmp/x',
      reportFile: join(tmpdir(), 'chaos-report.html'),
    });
    expect(parseChaosArgs(['-h'])).to.equal('help');
  });

  for (const [args, message] of [
    [['--loops', '0'], /--loops must be a whole number from 1 to 50/],
    [['--faults', 'lost-ack,meteor'], /unknown fault class 'meteor'/],
    [['--faults', ','], /at least one fault class/],
    [['--seed=1.5'], /--seed must be a whole number/],
    [['--duration', 'soon'], /--duration must be a number of seconds/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--report', 'report.pdf'], /--report must name an \.html file/],
    [['--report', '/no/such/folder/r.html'], /--report: the folder \/no\/such\/folder does not exist/],
  ] as const) {
    it(`refuses ${args.join(' ')}`, () => {
      expect(() => parseChaosArgs([...args])).to.throw(UsageError, message);
    });
  }

  it('prints a failed run with the violation, the faults before it and how to replay it', () => {
    const text = reportText({
      ok: false,
      seed: 99,
      loops: 1,
      iterations: 10,
      iterationsPerLoop: { 'loop-1': 10 },
      wallSeconds: 5,
      faultPhaseSeconds: 4,
      faultsByClass: { 'lost-ack': 1 },
      worstRecoveryMsByClass: { 'lost-ack': 1500 },
      duplicatesAbsorbed: 1,
      retries: { function: 0, engineJobs: 0 },
      repliesRacedAhead: 0,
      messages: {
        published: 10,
        deliveredOnce: 9,
        absorbedAsDuplicate: 0,
        deadLettered: 0,
        droppedByFault: 0,
        unsettled: 1,
        answerLost: 0,
        strandedInEmulator: 0,
        droppedByBroker: 0,
      },
      deadLetters: [],
      droppedByBroker: [],
      acceptedSeenOnlyInHistory: ['loop-1/4'],
      incidents: 0,
      maxActiveEcho: 1,
      minActiveEcho: 1,
      database: { bytesBefore: 1024, bytesAfter: 2048, bytesPer1000Iterations: 102400 },
      violations: [
        {
          what: 'lost',
          loop: 'loop-1',
          iteration: 10,
          messageId: 'm10',
          detail: 'published but never delivered',
          at: 0,
          faultsBefore: ['#1 lost-ack loop-1 iteration 9'],
        },
      ],
      stoppedBy: 'done',
      engineSettings: {},
      runFolder: '/tmp/run',
      faults: [],
    });
    expect(text).to.match(/FAILED \(seed 99/);
    expect(text).to.match(/VIOLATION lost loop-1 iteration 10 message m10/);
    expect(text).to.match(/after #1 lost-ack loop-1 iteration 9/);
    expect(text).to.match(/replay: npm run chaos -- --seed 99/);
    expect(text).to.match(/lost-ack\s+1\s+1\.5 s/);
    expect(text).to.match(/seen only in history 1 accepted replies .*\(loop-1\/4\)/);
  });
});
