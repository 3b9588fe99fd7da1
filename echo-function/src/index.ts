// Entry point (target `echo`): validates the configuration at load, so a misconfigured deployment
// fails to start with the variable's name, and registers the CloudEvent handler.
import * as functions from '@google-cloud/functions-framework';
import { loadConfig } from './config';
import { createEchoHandler } from './handler';

export * from './lib';

const config = loadConfig(process.env);
export const echo = createEchoHandler({ config });

functions.cloudEvent('echo', echo);
