// Entry point (target `reserveStock`): the worker reads its settings (ENGINE_URL, ...) at load, so a
// misconfigured deployment fails to start, naming the variable. Registered as an HTTP function, as
// price-order: the raw push body keeps deliveryAttempt, so the last attempt gets a `failed` reply.
import * as functions from '@google-cloud/functions-framework';
import { pushWorker } from '@camunda-serverless/worker';

import { reserveStockWorker } from './reserve-stock';

export const reserveStock = pushWorker(reserveStockWorker);

functions.http('reserveStock', reserveStock.http);
