// The waits on eventual consistency of PushWorker and EchoLoop, as dynamic resources: one until Cloud Monitoring
// knows a log-based metric (before the alert names it), and one after an IAM grant (the build
// account's role before the build runs as it; the starter account's grants before the loop starter
// impersonates it).

import * as pulumi from '@pulumi/pulumi';
import { metricWaiterProvider, type MetricWaiterInputs } from '../metric-waiter';
import { propagationDelayProvider, type PropagationDelayInputs } from '../propagation-delay';

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Exists once Cloud Monitoring knows the metric (polls its descriptor, at most 15 minutes). */
export class MetricDescriptorWait extends pulumi.dynamic.Resource {
  constructor(name: string, args: Inputs<MetricWaiterInputs>, opts?: pulumi.CustomResourceOptions) {
    super(metricWaiterProvider(), name, args, opts, 'camunda', 'MetricDescriptorWait');
  }
}

/** Exists `seconds` after it was created (or its trigger changed). */
export class PropagationDelay extends pulumi.dynamic.Resource {
  constructor(name: string, args: Inputs<PropagationDelayInputs>, opts?: pulumi.CustomResourceOptions) {
    super(propagationDelayProvider(), name, args, opts, 'camunda', 'PropagationDelay');
  }
}

/** Seconds the build waits after its account's role was granted: IAM's typical propagation time. */
export const BUILD_GRANT_PROPAGATION_SECONDS = 120;

/** Seconds EchoLoop's loop starter waits after its own account's grants (invoker, token creator): the same. */
export const STARTER_GRANT_PROPAGATION_SECONDS = 120;
