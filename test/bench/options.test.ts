import { expect } from 'chai';

import { OptionError, parseBenchOptions } from '../../bench/options';

describe('bench options', () => {
  it('defaults to 1, 10 and 50 loops of every pattern for 20 s', () => {
    const options = parseBenchOptions([]);
    expect(options.loops).to.deep.equal([1, 10, 50]);
    expect(options.patterns).to.deep.equal(['push', 'push-relay', 'pull-default', 'pull-long']);
    expect(options.history).to.equal('none');
    expect(options.relayConcurrency).to.equal(64);
    expect(options.reportFile).to.equal(undefined);
    expect(options.durationSeconds).to.equal(20);
    expect(options.json).to.equal(false);
    expect(options.engineSettings).to.deep.equal({});
    expect(options.engines).to.equal(1);
  });

  it('reads lists, seconds, --json and engine settings', () => {
    const options = parseBenchOptions([
      '--loops',
      '2, 4',
      '--patterns',
      'pull-long,push',
      '--duration',
      '5',
      '--idle',
      '0',
      '--json',
      '--set',
      'JOB_CORE_POOL_SIZE=8',
      '--set',
      'DB_POOL_SIZE=12',
      '--history',
      'activity',
      '--relay-concurrency',
      '8',
      '--report',
      'out/bench.html',
      '--engines',
      '2',
    ]);
    expect(options.engines).to.equal(2);
    expect(options.history).to.equal('activity');
    expect(options.relayConcurrency).to.equal(8);
    expect(options.reportFile).to.equal('out/bench.html');
    expect(options.loops).to.deep.equal([2, 4]);
    expect(options.patterns).to.deep.equal(['pull-long', 'push']);
    expect(options.durationSeconds).to.equal(5);
    expect(options.idleSeconds).to.equal(0);
    expect(options.json).to.equal(true);
    expect(options.engineSettings).to.deep.equal({ JOB_CORE_POOL_SIZE: '8', DB_POOL_SIZE: '12' });
  });

  const mistakes: Array<[string[], RegExp]> = [
    [['--loops', '0'], /--loops: expected whole numbers/],
    [['--loops', '1,,2'], /comma-separated/],
    [['--loops', 'ten'], /--loops/],
    [['--patterns', 'poll'], /unknown pattern 'poll'/],
    [['--duration', '0'], /--duration: expected seconds from 1/],
    [['--duration', ''], /--duration/],
    [['--warmup', '-1'], /--warmup/],
    [['--set', 'pool=3'], /--set: expected KEY=VALUE/],
    [['--set', 'HISTORY_LEVEL=full'], /use --history none\|activity/],
    [['--history', 'full'], /--history: expected none or activity, got 'full'/],
    [['--relay-concurrency', '0'], /--relay-concurrency: expected whole numbers/],
    [['--report', 'bench.txt'], /--report: expected a file name ending in .html/],
    [['--engines', '0'], /--engines: expected a whole number from 1 to 4, got '0'/],
    [['--engines', '5'], /--engines: expected a whole number from 1 to 4/],
    [['--engines', '1.5'], /--engines/],
    [['--loop', '1'], /Unknown option '--loop'/],
    [['extra'], /positional/],
  ];
  for (const [argv, message] of mistakes) {
    it(`refuses ${argv.join(' ')} with a clear message`, () => {
      expect(() => parseBenchOptions(argv)).to.throw(OptionError, message);
    });
  }
});
