// Entry point (target `echo`): the push worker reads and validates its configuration here, at load,
// so a misconfigured deployment fails to start with the variable's name.
import * as functions from '@google-cloud/functions-framework';
import { echoWorker } from './echo';

export * from './echo';

export const echo = echoWorker();

functions.cloudEvent('echo', echo);
