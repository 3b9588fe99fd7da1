// The unit tier, `npm run test:unit`: the full suite (.mocharc.full.cjs) without the test files that start
// the engine jar (a JVM), PostgreSQL or the Pub/Sub emulator, or install from the npm registry, so that it needs
// nothing but Node.js 22+.
// A new test file is a unit test unless it is listed here; test/tooling/test-tiers.test.ts fails when a
// unit test starts one of those, or when an entry here matches no test file.
'use strict';

/** The integration tier: the test files that need a JVM, PostgreSQL or the Pub/Sub emulator. */
const integration = [
  'test/bench/push-relay.test.ts', // the push relay against the emulator
  'test/bench/smoke.test.ts', // the benchmark on PostgreSQL: engine, emulator
  'test/bpmn/bounded-database.test.ts', // engine on PostgreSQL
  'test/bpmn/echo-loop.test.ts', // engine
  'test/bpmn/echo.test.ts', // engine
  'test/bpmn/http.test.ts', // engine
  'test/bpmn/pubsub-publish.test.ts', // engine, emulator
  'test/bpmn/push-task-timers.test.ts', // engine
  'test/bpmn/push-task.test.ts', // engine
  'test/chaos/chaos-run.test.ts', // the local stack on PostgreSQL
  'test/engine/callers.test.ts', // engine
  'test/engine/concurrent-start.test.ts', // three engines on PostgreSQL
  'test/engine/engine.test.ts', // engine, PostgreSQL
  'test/engine/job-lock-release.test.ts', // two engines on PostgreSQL
  'test/engine/settings.test.ts', // runs the engine jar
  'test/local/cli.test.ts', // `npm run local`: the local stack on PostgreSQL
  'test/local/example-orders.test.ts', // the Orders example: engine, emulator, workers
  'test/components/push-archive-build.test.ts', // npm ci of a function archive from the npm registry
  'test/local/local-stack.test.ts', // engine, emulator
  'test/local/postgres.test.ts', // PostgreSQL
  'worker/test/engine.test.ts', // engine, emulator
];

module.exports = { ...require('./.mocharc.full.cjs'), ignore: integration };
