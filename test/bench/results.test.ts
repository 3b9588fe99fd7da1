import { expect } from 'chai';

import { formatTable, stepResult, stepsTable } from '../../bench/results';
import { echoPullLoopXml } from '../../bench/pull/processes';
import { camundaDate } from '../../bench/measure';

describe('bench results', () => {
  it('summarizes a step with nearest-rank percentiles and round trips per second', () => {
    const durations = Array.from({ length: 100 }, (_, i) => i + 1);
    const step = stepResult('push', 10, 4, durations, { cpuSeconds: 3.14159, peakRssMiB: 400 }, 1.234);
    expect(step).to.include({
      roundTrips: 100,
      perSecond: 25,
      p50Ms: 50,
      p95Ms: 95,
      p99Ms: 99,
      engineCpuSeconds: 3.1,
      engineCpuMsPerRoundTrip: 31.4,
      loadAverage: 1.23,
    });
  });

  it('reports an empty step with no percentiles', () => {
    const step = stepResult('pull-long', 1, 5, [], { cpuSeconds: 0, peakRssMiB: 0 }, 0);
    expect(step).to.include({ roundTrips: 0, perSecond: 0, p50Ms: null, engineCpuMsPerRoundTrip: null });
    expect(stepsTable([step])).to.match(/pull-long\s+1\s+0\s+0\s+-\s+-\s+-/);
  });

  it('aligns table columns: the first to the left, the others to the right', () => {
    const table = formatTable(
      ['name', 'ms'],
      [
        ['a', 5],
        ['longer', 120],
        ['none', null],
      ],
    );
    expect(table.split('\n')).to.deep.equal([
      'name     ms',
      '------  ---',
      'a         5',
      'longer  120',
      'none      -',
    ]);
  });

  it("writes dates the way Camunda's REST API reads them", () => {
    expect(camundaDate(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).to.equal('2026-01-02T03:04:05.006+0000');
  });

  it('derives EchoPullLoop from EchoLoop, calling EchoPull', () => {
    const xml = echoPullLoopXml(
      '<bpmn:process id="EchoLoop"><bpmn:callActivity calledElement="PushTask" /><bpmn:message name="StopEchoLoop" /></bpmn:process>',
    );
    expect(xml).to.equal(
      '<bpmn:process id="EchoPullLoop"><bpmn:callActivity calledElement="EchoPull" /><bpmn:message name="StopEchoPullLoop" /></bpmn:process>',
    );
    expect(() => echoPullLoopXml('<bpmn:process id="Other" />')).to.throw(/no longer has the process EchoLoop/);
  });
});
