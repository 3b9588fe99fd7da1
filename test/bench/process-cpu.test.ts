import { expect } from 'chai';

import {
  BENCH_PROCESS,
  cpuMsPerRoundTrip,
  cpuSnapshot,
  processCpuTable,
  readProcesses,
  REST_OF_MACHINE,
  secondsByName,
  WHOLE_MACHINE,
  type CpuSnapshot,
} from '../../bench/process-cpu';
import { TICKS_PER_SECOND } from '../../bench/measure';
import { stepResult } from '../../bench/results';
import { startChild } from '../../local/processes';

const snapshot = (seconds: Record<string, number>, machineSeconds: number): CpuSnapshot => ({
  seconds: new Map(Object.entries(seconds)),
  machineSeconds,
});

describe('bench CPU by process', () => {
  it('counts every process for the named group it or an ancestor belongs to, or for the benchmark, and nothing else', () => {
    const leaders = new Map([
      [100, 'engine'],
      [200, 'postgres'],
    ]);
    const seconds = secondsByName(
      [
        { pid: 100, parent: 300, group: 100, ticks: 250 },
        { pid: 101, parent: 1, group: 100, ticks: 50 }, // in the engine's group, though its parent has gone
        { pid: 200, parent: 300, group: 200, ticks: 100 },
        { pid: 201, parent: 200, group: 201, ticks: 20 }, // a server process in a session of its own
        { pid: 300, parent: 1, group: 300, ticks: 30 }, // this process
        { pid: 301, parent: 300, group: 300, ticks: 10 }, // a command it ran (psql)
        { pid: 400, parent: 1, group: 999, ticks: 9000 }, // someone else's
      ],
      leaders,
      300,
    );
    expect(Object.fromEntries(seconds)).to.deep.equal({ engine: 3, postgres: 1.2, [BENCH_PROCESS]: 0.4 });
  });

  it('gives CPU ms per round trip over a window, the rest of the machine being what no process of the stack used', () => {
    const before = snapshot({ engine: 10, postgres: 4 }, 100);
    const after = snapshot({ engine: 12, postgres: 5, 'echo-function': 0.5 }, 105);
    expect(cpuMsPerRoundTrip(before, after, 250)).to.deep.equal({
      engine: 8,
      postgres: 4,
      'echo-function': 2, // started inside the window: all of its CPU counts
      [REST_OF_MACHINE]: 6,
      [WHOLE_MACHINE]: 20,
    });
    expect(cpuMsPerRoundTrip(before, after, 0)).to.equal(null);
    // Per-process and machine ticks are counted apart: a rest below zero is shown as none.
    expect(cpuMsPerRoundTrip(before, snapshot({ engine: 16 }, 105), 100)![REST_OF_MACHINE]).to.equal(0);
  });

  it("tabulates the stack's processes first and what the CPUs could carry at that cost", () => {
    const step = {
      ...stepResult('push-relay', 50, 10, [100, 100], { cpuSeconds: 1, peakRssMiB: 400 }, 1),
      cpuMsPerRoundTripByProcess: {
        'echo-function': 1,
        [BENCH_PROCESS]: 1.5,
        engine: 5,
        postgres: 2,
        [REST_OF_MACHINE]: 0.5,
        [WHOLE_MACHINE]: 10,
      },
    };
    const [header, , row] = processCpuTable([step], 2).split('\n');
    expect(header!.split(/\s{2,}/)).to.deep.equal([
      'CPU ms per round trip',
      'loops',
      'engine',
      'postgres',
      'echo-function',
      BENCH_PROCESS,
      REST_OF_MACHINE,
      WHOLE_MACHINE,
      '2 CPUs carry at most /s',
    ]);
    expect(row!.trim().split(/\s+/)).to.deep.equal(['push-relay', '50', '5', '2', '1', '1.5', '0.5', '10', '200']);
  });

  it("reads a running child's CPU from /proc under its name, with what it started in a session of its own", async function () {
    this.timeout(30_000);
    // The child spins, and so does a grandchild it starts with setsid, as PostgreSQL starts its server processes.
    const script = [
      "const { spawn } = require('node:child_process');",
      "const spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { detached: true, stdio: 'ignore' });",
      "console.log('grandchild ' + spinner.pid);",
      'for (;;) {}',
    ].join('\n');
    const child = startChild('spinner', process.execPath, ['-e', script]);
    let grandchild: number | undefined;
    try {
      const deadline = Date.now() + 20_000;
      const ownSeconds = (pid: number | undefined) =>
        (readProcesses().find((p) => p.pid === pid)?.ticks ?? 0) / TICKS_PER_SECOND;
      while ((!grandchild || ownSeconds(grandchild) < 0.2) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        grandchild ??= Number(/grandchild (\d+)/.exec(child.tail())?.[1]) || undefined;
      }
      expect(grandchild, 'the grandchild started').to.be.a('number');
      // Read first, each on its own: the snapshot after them holds at least both, since CPU time only grows.
      const [childAlone, grandchildAlone] = [ownSeconds(child.process.pid), ownSeconds(grandchild)];
      expect(grandchildAlone, 'the grandchild spun').to.be.at.least(0.2);
      const snapshot = cpuSnapshot();
      expect(snapshot.seconds.get('spinner'), 'the child with its grandchild').to.be.at.least(
        childAlone + grandchildAlone,
      );
      expect(snapshot.seconds.get(BENCH_PROCESS), 'this process').to.be.greaterThan(0);
    } finally {
      if (grandchild) process.kill(grandchild, 'SIGKILL');
      await child.stop(2000);
    }
  });
});
