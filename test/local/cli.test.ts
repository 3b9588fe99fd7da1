/**
 * `npm run local` (local/cli.ts) as a user runs it, in a child process: its help and refusals, a run on
 * a throwaway PostgreSQL stopped by Ctrl-C (SIGINT) with the JSON summary as the last line, and a run
 * killed outright whose leftover processes the next run in the same folder ends before it starts.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { eventually } from '../../local/camunda-rest';
import { isAlive } from '../../local/processes';
import { leftoverChildren } from '../../local/run-folder';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'local', 'cli.ts');

interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts the CLI as `npm run local` would (through tsx), with stdout and stderr captured. */
function startCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The last line of stdout as a JSON object. */
function summaryOf(run: CliRun): Record<string, unknown> {
  const lines = run.stdout().trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** Iterations on the latest live line on stderr (printed every few seconds when stderr is no terminal). */
function liveIterations(run: CliRun): number {
  const matches = [...run.stderr().matchAll(/\| (\d+) it, /g)];
  return matches.length ? Number(matches[matches.length - 1][1]) : 0;
}

describe('npm run local (local/cli.ts)', function () {
  this.timeout(180_000);

  const runs: CliRun[] = [];
  const folders: string[] = [];
  const run = (args: string[]) => {
    const started = startCli(args);
    runs.push(started);
    return started;
  };
  const runFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), 'camunda-serverless-cli-'));
    folders.push(folder);
    return folder;
  };

  afterEach(async () => {
    // Whatever a failed test left: the CLI first, then what its run folder says it started.
    for (const started of runs.splice(0)) {
      if (started.child.exitCode === null && started.child.signalCode === null) {
        started.child.kill('SIGKILL');
        await started.exited;
      }
    }
    for (const folder of folders.splice(0)) {
      for (const leftover of leftoverChildren(folder)) {
        try {
          process.kill(-leftover.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('prints its usage with --help and exits 0', async () => {
    const help = run(['--help']);
    expect(await help.exited).to.equal(0);
    expect(help.stdout()).to.match(/^Usage: npm run local -- \[options\]/);
    for (const option of ['--loops', '--duration', '--db', '--db-url', '--json', '--stall-seconds', '--run-folder']) {
      expect(help.stdout()).to.contain(option);
    }
  });

  it('refuses a bad option with one line and exit code 2, starting nothing', async () => {
    const refused = run(['--loops', 'many']);
    expect(await refused.exited).to.equal(2);
    expect(refused.stderr()).to.equal("local: --loops must be a whole number from 1 to 100, got 'many' (see --help)\n");
    expect(refused.stdout()).to.equal('');
  });

  it('runs two loops on a throwaway PostgreSQL until SIGINT, prints the JSON summary last, and leaves no process behind', async () => {
    const folder = runFolder();
    const cli = run(['--db', 'postgres', '--loops', '2', '--json', '--run-folder', folder]);
    await eventually(
      '20 iterations on the live line',
      async () => liveIterations(cli) >= 20 || cli.child.exitCode !== null,
      120_000,
      200,
    );
    expect(cli.child.exitCode, cli.stderr()).to.equal(null);
    const started = JSON.parse(readFileSync(join(folder, 'children.json'), 'utf8')) as Array<{
      name: string;
      pid: number;
    }>;
    expect(started.map((child) => child.name).sort()).to.deep.equal([
      'echo-function',
      'engine',
      'postgres',
      'pubsub-emulator',
    ]);

    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.stderr()).to.equal(0);
    expect(cli.stdout().trim().split('\n'), 'stdout holds the JSON summary only').to.have.length(1);
    const summary = summaryOf(cli);
    expect(summary).to.deep.include({
      broken: false,
      multiplied: false,
      incidents: 0,
      database: 'postgres',
      stoppedBy: 'SIGINT',
    });
    expect(summary.iterations).to.be.at.least(20);
    const loops = summary.loops as Array<{ name: string; iterations: number; maxActiveEcho: number }>;
    expect(loops.map((loop) => loop.name)).to.deep.equal(['loop-1', 'loop-2']);
    expect(loops.every((loop) => loop.iterations > 0 && loop.maxActiveEcho === 1)).to.equal(true);
    expect(loops.reduce((sum, loop) => sum + loop.iterations, 0)).to.equal(summary.iterations);
    const roundTrip = summary.roundTripMs as Record<string, number>;
    expect(roundTrip.p50).to.be.a('number').and.greaterThan(0);
    expect(roundTrip.p95).to.be.at.least(roundTrip.p50);
    expect(roundTrip.p99).to.be.at.least(roundTrip.p95);
    expect(cli.stderr()).to.contain('local run stopped (SIGINT)');
    expect(
      started.filter((child) => isAlive(child.pid)),
      'still running',
    ).to.deep.equal([]);
  });

  it('after a run killed with SIGKILL, the next run in the same folder ends its leftovers; --duration stops it', async () => {
    const folder = runFolder();
    const killed = run(['--run-folder', folder]);
    await eventually(
      'the loop started',
      async () => /loop started/.test(killed.stderr()) || killed.child.exitCode !== null,
      120_000,
      200,
    );
    killed.child.kill('SIGKILL');
    await killed.exited;
    const leftovers = leftoverChildren(folder);
    expect(leftovers.map((child) => child.name).sort(), 'orphans of the killed run').to.deep.equal([
      'echo-function',
      'engine',
      'pubsub-emulator',
    ]);

    const next = run(['--run-folder', folder, '--duration', '4', '--json']);
    expect(await next.exited, next.stderr()).to.equal(0);
    expect(next.stderr()).to.contain('ended leftovers of a killed earlier run: ');
    expect(
      leftovers.filter((child) => isAlive(child.pid)),
      'leftovers still running',
    ).to.deep.equal([]);
    const summary = summaryOf(next);
    expect(summary).to.deep.include({ stoppedBy: 'duration', broken: false, multiplied: false, database: 'h2' });
    expect(summary.durationSeconds).to.be.within(4, 8);
    expect(summary.iterations).to.be.greaterThan(0);
  });
});
