// Child process for the entry-point tests: imports src/index.ts as the framework's loader would
// (which validates the configuration and registers `echo`), then serves the registered function
// on 127.0.0.1 and reports the port to the parent over IPC.
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { AddressInfo } from 'node:net';
import '../../src/index';

const server = getTestServer('echo');
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
