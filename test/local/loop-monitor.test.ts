/**
 * The judgement of local/loop-monitor.ts against a scripted engine: that it sees a chain multiply or
 * break, and counts iterations and failed jobs, before the end-to-end test relies on it finding none.
 */
import { expect } from 'chai';

import type { CamundaRest } from '../../local/camunda-rest';
import { LoopMonitor } from '../../local/loop-monitor';

interface EngineView {
  echos: Array<{ id: string; businessKey: string }>;
  loops: Array<{ id: string; businessKey: string }>;
  counters: Record<string, number>;
  incidents: number;
  failingJobs: Array<{ id: string; retries: number }>;
  down?: boolean;
}

/** Answers the monitor's REST calls from `view`. */
function scriptedRest(view: EngineView): CamundaRest {
  const answer = async (path: string): Promise<unknown> => {
    if (view.down) throw new Error('connection refused');
    if (path === '/process-instance?processDefinitionKey=PushTask') return view.echos;
    if (path === '/process-instance?processDefinitionKey=EchoLoop') return view.loops;
    if (path.startsWith('/variable-instance?variableName=iteration')) {
      const ids = new URLSearchParams(path.split('?')[1]).get('processInstanceIdIn')?.split(',') ?? [];
      return ids.filter((id) => id in view.counters).map((id) => ({ processInstanceId: id, value: view.counters[id] }));
    }
    if (path === '/job?withException=true') return view.failingJobs;
    throw new Error(`unexpected ${path}`);
  };
  return {
    expectOk: (_method: string, path: string) => answer(path),
    count: async (resource: string) => {
      if (view.down) throw new Error('connection refused');
      if (resource !== 'incident') throw new Error(`unexpected count of ${resource}`);
      return view.incidents;
    },
  } as unknown as CamundaRest;
}

describe('local loop monitor', () => {
  let clock: number;
  let view: EngineView;
  let monitor: LoopMonitor;

  beforeEach(() => {
    clock = 1_000_000;
    view = {
      echos: [
        { id: 'e1', businessKey: 'a' },
        { id: 'e2', businessKey: 'b' },
      ],
      loops: [
        { id: 'la', businessKey: 'a' },
        { id: 'lb', businessKey: 'b' },
      ],
      counters: { la: 1, lb: 1 },
      incidents: 0,
      failingJobs: [],
    };
    monitor = new LoopMonitor({ rest: scriptedRest(view), stallMs: 10_000, now: () => clock });
    monitor.watch('a', 'la');
    monitor.watch('b', 'lb');
  });

  it('counts completed iterations from each loop counter and stays healthy while they move', async () => {
    for (let step = 0; step < 5; step += 1) {
      clock += 5_000;
      view.counters = { la: 2 + step, lb: 2 + step * 2 };
      await monitor.sample();
    }
    expect(monitor.loops.get('a')).to.include({
      iterations: 5,
      maxActiveEcho: 1,
      minActiveEcho: 1,
      broken: false,
      multiplied: false,
    });
    expect(monitor.loops.get('b')!.iterations).to.equal(9);
    expect(monitor.iterations).to.equal(14);
    expect(monitor.broken || monitor.multiplied).to.equal(false);
  });

  it('flags a loop as multiplied when one sample sees two active PushTask instances of it', async () => {
    view.echos.push({ id: 'e3', businessKey: 'a' });
    await monitor.sample();
    view.echos.pop();
    await monitor.sample();
    expect(monitor.multiplied).to.equal(true);
    expect(monitor.loops.get('a')).to.include({ multiplied: true, maxActiveEcho: 2 });
    expect(monitor.loops.get('a')!.problem).to.match(/multiplied: 2 active PushTask/);
    expect(monitor.loops.get('b')!.multiplied).to.equal(false);
  });

  it('flags a second EchoLoop of one name as multiplied', async () => {
    view.loops.push({ id: 'la2', businessKey: 'a' });
    await monitor.sample();
    expect(monitor.loops.get('a')!.problem).to.match(/2 EchoLoop instances/);
  });

  it('flags a loop as broken when its counter stands still longer than the bound, and keeps it flagged', async () => {
    await monitor.sample();
    clock += 9_000;
    view.counters.lb = 3;
    await monitor.sample();
    expect(monitor.broken).to.equal(false);
    clock += 2_000; // a: 11 s without progress; b moved 2 s ago
    await monitor.sample();
    expect(monitor.loops.get('a')).to.include({ broken: true });
    expect(monitor.loops.get('a')!.problem).to.match(/no new iteration for 11 s/);
    expect(monitor.loops.get('b')!.broken).to.equal(false);
    view.counters.la = 5;
    await monitor.sample();
    expect(monitor.loops.get('a')!.broken, 'latched').to.equal(true);
  });

  it('flags a loop as broken when its EchoLoop instance is gone, or the engine stays unreachable', async () => {
    view.loops = view.loops.filter((loop) => loop.id !== 'lb');
    await monitor.sample();
    expect(monitor.loops.get('b')!.problem).to.equal('broken: its EchoLoop instance is gone');
    view.down = true;
    clock += 10_001;
    await monitor.sample();
    expect(monitor.loops.get('a')!.broken).to.equal(true);
    expect(monitor.totalsSoFar.failedSamples).to.equal(1);
  });

  it('counts each failure of a job once, by the retries it has left, and reads incidents and dead letters', async () => {
    let drained = 0;
    monitor = new LoopMonitor({
      rest: scriptedRest(view),
      stallMs: 10_000,
      now: () => clock,
      drainDeadLetters: async () => ((drained += 1), 2),
    });
    monitor.watch('a', 'la');
    view.failingJobs = [{ id: 'j1', retries: 999998 }];
    await monitor.sample({ slow: true });
    await monitor.sample({ slow: true }); // the same failure seen again
    view.failingJobs = [
      { id: 'j1', retries: 999997 },
      { id: 'j2', retries: 2 },
    ];
    view.incidents = 1;
    await monitor.sample({ slow: true });
    expect(monitor.totalsSoFar).to.include({ failedJobs: 3, incidents: 1, deadLettered: 6 });
    expect(drained).to.equal(3);
  });
});
