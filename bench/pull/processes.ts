/**
 * The pull side's processes, deployed through the REST API when the benchmark starts (never from
 * bpmn/, which ships to production):
 * - EchoPull (EchoPull.bpmn): one external task;
 * - EchoPullLoop: bpmn/EchoLoop.bpmn itself with every EchoLoop renamed and PushTask swapped for
 *   EchoPull, so pull is driven by exactly the loop that drives push (same scripts, same call activity
 *   with the same input mappings; EchoPull ignores them).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { CamundaRest } from '../../local/camunda-rest';

const ECHO_LOOP = resolve(__dirname, '..', '..', 'bpmn', 'EchoLoop.bpmn');
const ECHO_PULL = resolve(__dirname, 'EchoPull.bpmn');

/** The external task topic the worker subscribes to. */
export const PULL_TOPIC = 'echo';

export function echoPullLoopXml(echoLoopXml: string): string {
  const renamed = echoLoopXml
    .replaceAll('EchoLoop', 'EchoPullLoop')
    .replaceAll('calledElement="PushTask"', 'calledElement="EchoPull"');
  if (!renamed.includes('calledElement="EchoPull"') || !renamed.includes('id="EchoPullLoop"')) {
    throw new Error(`${ECHO_LOOP} no longer has the process EchoLoop calling PushTask: update bench/pull/processes.ts`);
  }
  return renamed;
}

export async function deployPullProcesses(rest: CamundaRest): Promise<void> {
  await rest.deploy('bench-pull', {
    'EchoPull.bpmn': readFileSync(ECHO_PULL, 'utf8'),
    'EchoPullLoop.bpmn': echoPullLoopXml(readFileSync(ECHO_LOOP, 'utf8')),
  });
}
