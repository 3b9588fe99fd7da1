// What the policy pack sees of a mocked Pulumi run.

import type { ProgramRun } from '../../components/support/mocks';
import type { FakeResource } from './harness';

/** Every custom resource's state, plus the stack's outputs. */
export function policyView(run: ProgramRun): FakeResource[] {
  const resources: FakeResource[] = run.mocks.resources
    .filter((r) => r.custom)
    .map((r) => ({ type: r.type, name: r.name, props: r.state }));
  resources.push({ type: 'pulumi:pulumi:Stack', name: 'camunda-serverless-dev', props: run.outputs });
  return resources;
}
