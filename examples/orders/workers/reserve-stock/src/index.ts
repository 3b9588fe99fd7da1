// Entry point (target `reserveStock`): the worker reads its settings (ENGINE_URL, ...) at load, so a
// misconfigured deployment fails to start, naming the variable.
import * as functions from '@google-cloud/functions-framework';
import { pushWorker } from '@camunda-serverless/worker';

import { logFields, reserveStock as handler, ReserveRequest, TASK_TYPE } from './reserve-stock';

export const reserveStock = pushWorker({ taskType: TASK_TYPE, payload: ReserveRequest, handler, logFields });

functions.cloudEvent('reserveStock', reserveStock);
