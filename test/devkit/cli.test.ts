/** The dev kit's CLI helper, through a small tool built on it and run in a child process. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { parseOptions, UsageError, wantsHelp, wholeNumber } from '../../devkit/cli';

const SAMPLE = join(__dirname, 'support', 'sample-cli.ts');

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runSample(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', 'tsx', SAMPLE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('devkit CLI helper', function () {
  this.timeout(60_000);

  it('prints the help on stdout and exits 0', async () => {
    const ran = await runSample(['--help']);
    expect(ran).to.deep.include({ code: 0, stdout: 'Usage: sample [--count N] [--json] [--fail]\n', stderr: '' });
  });

  it('refuses a bad option with one line and exit 2, or with the usage text', async () => {
    expect(await runSample(['--bogus'])).to.deep.include({
      code: 2,
      stdout: '',
      stderr: "sample: Unknown option '--bogus' (see --help)\n",
    });
    const withUsage = await runSample(['--count', '11'], { SAMPLE_USAGE: '1' });
    expect(withUsage.code).to.equal(2);
    expect(withUsage.stderr).to.equal(
      "sample: --count must be a whole number from 1 to 10, got '11'\nUsage: sample [--count N] [--json] [--fail]\n",
    );
  });

  it('prints the report as text, or with --json the JSON alone on the last line of stdout', async () => {
    expect(await runSample(['--count', '3'])).to.deep.include({ code: 0, stdout: 'counted 3\n' });
    const json = await runSample(['--count', '3', '--json']);
    expect(json.code).to.equal(0);
    expect(json.stdout.trim().split('\n').at(-1)).to.equal('{"count":3}');
    expect(json.stderr).to.contain('counted 3');
  });

  it("exits with the run's code", async () => {
    expect((await runSample(['--fail'])).code).to.equal(1);
  });

  it('parses strictly, with one-line mistakes of a chosen class', () => {
    expect(parseOptions(['--n', '2'], { n: { type: 'string' } })).to.deep.equal({ n: '2' });
    expect(() => parseOptions(['stray'], {})).to.throw(UsageError, /Unexpected argument 'stray'/);
    class Mine extends Error {}
    expect(() => parseOptions(['--x'], {}, (message) => new Mine(message))).to.throw(Mine, /Unknown option '--x'/);
    expect(() => wholeNumber('--n', '1.5', 1, 3)).to.throw(
      UsageError,
      "--n must be a whole number from 1 to 3, got '1.5'",
    );
    expect(wantsHelp(['--a', '-h'])).to.equal(true);
    expect(wantsHelp(['--', '--help'])).to.equal(false);
  });
});
