// Waiting for an IAM grant to take effect, as a Pulumi dynamic provider. IAM is eventually
// consistent: Google documents that a policy change typically propagates in 2 minutes, sometimes 7
// or more (IAM "Access change propagation"). A resource that uses a role right after it was granted
// (a build that runs as its build account) waits behind one of these.
//
// Self-contained like loop-starter.ts: Pulumi serializes the provider and runs it elsewhere.

import type * as pulumi from '@pulumi/pulumi';

/** What the delay waits after. */
export interface PropagationDelayInputs {
  /** Seconds to wait on create and whenever `trigger` changes. */
  readonly seconds: number;
  /** What was granted (any text, such as the grant's id): a new value waits again. */
  readonly trigger: string;
}

/** Waits `seconds` on create and when the trigger changes; deleting is instant. */
export function propagationDelayProvider(
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: unknown, news: PropagationDelayInputs) {
      const seconds = Number(news.seconds);
      const failures =
        Number.isInteger(seconds) && seconds >= 0 && seconds <= 600
          ? []
          : [{ property: 'seconds', reason: `must be a whole number from 0 to 600, got ${String(news.seconds)}` }];
      return { inputs: news, failures };
    },
    async diff(_id: string, olds: PropagationDelayInputs, news: PropagationDelayInputs) {
      const changed = olds.trigger !== news.trigger;
      return { changes: changed || olds.seconds !== news.seconds, replaces: changed ? ['trigger'] : [] };
    },
    async create(inputs: PropagationDelayInputs) {
      await sleep(Number(inputs.seconds) * 1000);
      return { id: `delay-${inputs.trigger}`, outs: { seconds: inputs.seconds, trigger: inputs.trigger } };
    },
    async update(_id: string, _olds: PropagationDelayInputs, news: PropagationDelayInputs) {
      return { outs: { seconds: news.seconds, trigger: news.trigger } };
    },
    async delete() {},
  };
}
