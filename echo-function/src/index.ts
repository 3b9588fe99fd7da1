// Entry point (target `echo`): the push worker reads and validates its configuration here, at load,
// so a misconfigured deployment fails to start with the variable's name. Registered as an HTTP function:
// behind the push subscription the raw push body keeps deliveryAttempt, which the framework's CloudEvent
// conversion drops, so the last delivery attempt is known (worker/README.md).
import * as functions from '@google-cloud/functions-framework';
import { echoWorker } from './echo';

export * from './echo';

export const echo = echoWorker();

functions.http('echo', echo.http);
