// The Orders stack program (examples/orders/index.ts) under Pulumi mocks: with only gcp:project and
// gcp:region it declares the engine and one PushWorker per task type of Orders.bpmn, lets each worker's
// account reply to the engine and nothing more, and passes the policy pack.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { policies } from '../../../policy/policies';
import { type ProgramRun, runProgram, stackConfig } from '../../../test/components/support/mocks';
import { checkAll, type FakeResource } from '../../../test/policy/support/harness';

const PROGRAM = require.resolve('../index');

describe('examples/orders stack program', () => {
  let run: ProgramRun;
  before(async function () {
    this.timeout(60_000);
    run = await runProgram(
      () => {
        delete require.cache[PROGRAM];
        return { ...(require(PROGRAM) as Record<string, unknown>) };
      },
      { config: stackConfig() },
    );
  });

  it('declares the engine and a PushWorker for each task type the process calls', () => {
    const components = run.mocks.resources.filter((r) => !r.custom).map((r) => `${r.type}::${r.name}`);
    expect(components).to.include.members([
      'camunda-serverless:index:CamundaServerless::camunda',
      'camunda-serverless:index:PushWorker::price-order',
      'camunda-serverless:index:PushWorker::reserve-stock',
    ]);
    const process = readFileSync(join(__dirname, '..', 'bpmn', 'Orders.bpmn'), 'utf8');
    const taskTypes = [...process.matchAll(/sourceExpression="([a-z-]+)" target="taskType"/g)].map((m) => m[1]);
    expect(taskTypes).to.deep.equal(['price-order', 'reserve-stock']);
    const topics = run.mocks.ofType('gcp:pubsub/topic:Topic').map((t) => t.inputs.name);
    expect(topics).to.include.members(['orders-dev-price-order', 'orders-dev-reserve-stock']);
    expect(run.outputs).to.include({
      priceOrderTopic: 'orders-dev-price-order',
      reserveStockTopic: 'orders-dev-reserve-stock',
    });
  });

  it("lets each worker's account correlate messages on the engine, and nothing else", () => {
    const service = run.mocks
      .ofType('gcp:cloudrunv2/service:Service')
      .find((s) => s.inputs.name === 'orders-dev-engine');
    const env = (service?.inputs.template.containers[0].envs ?? []) as Array<{ name: string; value?: string }>;
    // `email=permission,permission` entries, one per caller.
    const callers = env.find((e) => e.name === 'REST_CALLERS')?.value ?? '';
    const accounts = run.mocks
      .ofType('gcp:serviceaccount/account:Account')
      .map((a) => String(a.state.email))
      .filter((email) => /price-order|reserve-stock/.test(email) && callers.includes(email));
    expect(accounts).to.have.length(2);
    for (const email of accounts) expect(callers).to.match(new RegExp(`(^|;)${email}=POST /engine-rest/message(;|$)`));
  });

  it('passes the policy pack', async () => {
    const resources: FakeResource[] = run.mocks.resources
      .filter((r) => r.custom)
      .map((r) => ({ type: r.type, name: r.name, props: r.state }));
    resources.push({ type: 'pulumi:pulumi:Stack', name: 'orders-dev', props: run.outputs });
    expect(await checkAll(policies, resources)).to.deep.equal([]);
  });
});
