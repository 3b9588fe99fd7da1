// @camunda-serverless/worker: the push worker library (see worker/README.md). Built in issue #16.
export {};
