// Entry point (target `priceOrder`): the worker reads its settings (ENGINE_URL, ...) at load, so a
// misconfigured deployment fails to start, naming the variable.
import * as functions from '@google-cloud/functions-framework';
import { pushWorker } from '@camunda-serverless/worker';

import { logFields, priceOrder as handler, PriceRequest, TASK_TYPE } from './price-order';

export const priceOrder = pushWorker({ taskType: TASK_TYPE, payload: PriceRequest, handler, logFields });

functions.cloudEvent('priceOrder', priceOrder);
