// Entry point (target `priceOrder`): the worker reads its settings (ENGINE_URL, ...) at load, so a
// misconfigured deployment fails to start, naming the variable. Registered as an HTTP function: behind
// a plain push subscription the framework's CloudEvent conversion drops deliveryAttempt, which the
// library's `failed` reply on the last attempt needs; the raw push body keeps it.
import * as functions from '@google-cloud/functions-framework';
import { pushWorker } from '@camunda-serverless/worker';

import { priceOrderWorker } from './price-order';

export const priceOrder = pushWorker(priceOrderWorker());

functions.http('priceOrder', priceOrder.http);
