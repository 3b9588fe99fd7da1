// The Orders example as a Pulumi stack: the engine (CamundaServerless) and one PushWorker per task type
// of examples/orders/bpmn/Orders.bpmn. Only gcp:project and gcp:region must be set; README.md says how
// to deploy the process and start orders. It imports the components from this repository; in a project
// of yours the same names come from the installed package: `from 'camunda-serverless'`.
import * as path from 'node:path';

import * as pulumi from '@pulumi/pulumi';
import { CamundaServerless, PushWorker, pushWorkerCaller } from '../../components';

const gcpConfig = new pulumi.Config('gcp');
const config = new pulumi.Config();
const project = gcpConfig.require('project');
const region = gcpConfig.require('region');
// 4 to 15 characters: the engine's names start with it, and so do the workers' (`<prefix>-price-order`).
const namePrefix = config.get('namePrefix') || `orders-${pulumi.getStack()}`.toLowerCase().slice(0, 15);
// Service accounts (e-mails) that may use the whole REST API: deploy Orders.bpmn, start orders.
const operators = (config.get('operators') ?? '')
  .split(',')
  .map((email) => email.trim())
  .filter((email) => email !== '');

/** The task types of Orders.bpmn, each a function source folder with its entry point. */
const workers = [
  { name: 'price-order', taskType: 'price-order', entryPoint: 'priceOrder' },
  { name: 'reserve-stock', taskType: 'reserve-stock', entryPoint: 'reserveStock' },
] as const;

// The workers' accounts are named before the workers exist: the engine lets them reply (and nothing else).
const engine = new CamundaServerless('camunda', {
  project,
  region,
  namePrefix,
  callers: workers.map((worker) => pushWorkerCaller({ ...worker, project, namePrefix })),
  operators,
  wakeIntervalMinutes: 60,
  database: { tier: 'db-f1-micro', backups: false },
});

const deployed = workers.map(
  (worker) =>
    new PushWorker(worker.name, {
      engine,
      taskType: worker.taskType,
      namePrefix,
      source: path.join(__dirname, 'workers', worker.name),
      entryPoint: worker.entryPoint,
    }),
);
const [priceOrder, reserveStock] = deployed;

export const engineUrl = engine.url;
/** Start variables of an order: where PushTask publishes each task type. */
export const priceOrderTopic = priceOrder.topicName;
export const reserveStockTopic = reserveStock.topicName;
export const deadLetterSubscriptions = deployed.map((worker) => worker.deadLetterSubscriptionName);
export const dashboards = deployed.map((worker) => worker.dashboardUrl);
