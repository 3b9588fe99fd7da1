// Pulumi mocks that record every resource and invoke, answer with plausible provider outputs, and a
// runner that executes a program inside a mocked stack and waits until every registration is done.

import * as pulumi from '@pulumi/pulumi';

export const PROJECT = 'test-project';
export const PROJECT_NUMBER = '123456789012';
export const REGION = 'europe-west1';
export const STACK = 'dev';
/** Every generated password resolves to this; no output may ever contain it. */
export const FAKE_PASSWORD = 'MockGeneratedPassword0123456789AB';
/** The deployer's access token; shaped like a real one so the secret detectors recognise it. */
export const FAKE_ACCESS_TOKEN = 'ya29.mock-access-token-0123456789abcdefghijklmnop';
export const FAKE_DIGEST = `sha256:${'ab'.repeat(32)}`;
/** The engine a client component (PushWorker, EchoLoop) is given in the tests. */
export const ENGINE_URL = 'https://camunda-dev-engine-abcdefghij-ew.a.run.app';
export const ENGINE_SA = `camunda-dev-engine@${PROJECT}.iam.gserviceaccount.com`;
export const PUBSUB_AGENT = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
export const TEST_ENGINE = {
  url: ENGINE_URL,
  serviceName: 'camunda-dev-engine',
  location: REGION,
  project: PROJECT,
  serviceAccountEmail: ENGINE_SA,
} as const;
/** Who runs `pulumi up` (getClientOpenIdUserInfo's e-mail) unless a run says otherwise: a user login. */
export const DEPLOYER_EMAIL = 'deployer@example.com';

/**
 * Resource properties as the tests read them: by any path, without a cast at every step. Loose on
 * purpose (the assertions check the shapes); the test support's only `any`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Props = Record<string, any>;

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the provider would receive them. */
  readonly inputs: Props;
  /** Inputs plus the fake provider outputs (what the state would hold). */
  readonly state: Props;
  readonly custom: boolean;
  /** Input paths (`a.b.0.c`) that arrived as Pulumi secrets. */
  readonly secretPaths: readonly string[];
}

const SECRET_SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Replaces Pulumi's secret wrappers by their values and notes where they were. */
export function unwrapSecrets(value: unknown, at: string, found: string[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, at ? `${at}.${i}` : String(i), found));
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) {
      found.push(at);
      return unwrapSecrets(record.value, at, []);
    }
    return Object.fromEntries(
      Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v, at ? `${at}.${k}` : k, found)]),
    );
  }
  return value;
}

export interface RecordedCall {
  readonly token: string;
  readonly inputs: Props;
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}

/** Output properties a real provider would compute, keyed by resource type. */
export function fakeOutputs(
  type: string,
  name: string,
  inputs: Props,
): { id?: string; outputs: Record<string, unknown> } {
  const project = str(inputs.project, PROJECT);
  switch (type) {
    case 'gcp:cloudrunv2/service:Service': {
      const n = str(inputs.name, name);
      return {
        id: `projects/${project}/locations/${inputs.location}/services/${n}`,
        outputs: { name: n, project, uri: `https://${n}-abcdefghij-ew.a.run.app` },
      };
    }
    case 'gcp:sql/databaseInstance:DatabaseInstance': {
      const n = str(inputs.name, `${name}-a1b2c3d`);
      return { id: n, outputs: { name: n, project, connectionName: `${project}:${inputs.region}:${n}` } };
    }
    case 'gcp:serviceaccount/account:Account': {
      const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
      const id = `projects/${project}/serviceAccounts/${email}`;
      return { id, outputs: { email, name: id, member: `serviceAccount:${email}`, project } };
    }
    case 'docker:index/image:Image': {
      const repository = String(inputs.imageName).replace(/:[^/:]+$/, '');
      return { id: `${repository}@${FAKE_DIGEST}`, outputs: { repoDigest: `${repository}@${FAKE_DIGEST}` } };
    }
    case 'random:index/randomPassword:RandomPassword':
      return { id: 'none', outputs: { result: FAKE_PASSWORD } };
    case 'gcp:secretmanager/secret:Secret': {
      const id = `projects/${project}/secrets/${inputs.secretId}`;
      return { id, outputs: { name: `projects/${PROJECT_NUMBER}/secrets/${inputs.secretId}`, project } };
    }
    case 'gcp:secretmanager/secretVersion:SecretVersion': {
      const id = `${inputs.secret}/versions/1`;
      return { id, outputs: { version: '1', name: id } };
    }
    case 'gcp:artifactregistry/repository:Repository':
      return {
        id: `projects/${project}/locations/${inputs.location}/repositories/${inputs.repositoryId}`,
        outputs: { project },
      };
    case 'gcp:pubsub/topic:Topic': {
      const n = str(inputs.name, name);
      return { id: `projects/${project}/topics/${n}`, outputs: { name: n, project } };
    }
    case 'gcp:pubsub/subscription:Subscription': {
      const n = str(inputs.name, name);
      return { id: `projects/${project}/subscriptions/${n}`, outputs: { name: n, project } };
    }
    case 'gcp:cloudfunctionsv2/function:Function': {
      const n = str(inputs.name, name);
      return {
        id: `projects/${project}/locations/${inputs.location}/functions/${n}`,
        outputs: {
          name: n,
          project,
          url: `https://${inputs.location}-${project}.cloudfunctions.net/${n}`,
          serviceConfig: {
            ...(inputs.serviceConfig ?? {}),
            uri: `https://${n}-klmnopqrst-ew.a.run.app`,
            service: `projects/${project}/locations/${inputs.location}/services/${n}`,
          },
        },
      };
    }
    case 'gcp:storage/bucket:Bucket': {
      const n = str(inputs.name, `${name}-0f1e2d3`);
      return { id: n, outputs: { name: n, url: `gs://${n}` } };
    }
    case 'gcp:storage/bucketObject:BucketObject':
      return { id: `${inputs.bucket}-${inputs.name}`, outputs: { outputName: inputs.name } };
    case 'gcp:logging/metric:Metric':
      return { id: str(inputs.name, name), outputs: { name: str(inputs.name, name) } };
    case 'gcp:monitoring/dashboard:Dashboard':
      return { id: `projects/${PROJECT_NUMBER}/dashboards/0a1b2c3d-0000-4000-8000-000000000001`, outputs: {} };
    case 'gcp:monitoring/alertPolicy:AlertPolicy':
      return {
        id: `projects/${project}/alertPolicies/1234567890`,
        outputs: { name: `projects/${project}/alertPolicies/1234567890` },
      };
    case 'gcp:monitoring/notificationChannel:NotificationChannel':
      return {
        id: `projects/${project}/notificationChannels/987`,
        outputs: { name: `projects/${project}/notificationChannels/987` },
      };
    case 'gcp:cloudscheduler/job:Job':
      return {
        id: `projects/${project}/locations/${inputs.region}/jobs/${inputs.name}`,
        outputs: { name: str(inputs.name, name) },
      };
    case 'gcp:projects/serviceIdentity:ServiceIdentity': {
      // What Service Usage's generateServiceIdentity returns for Pub/Sub.
      const email = `service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
      return {
        id: `projects/${project}/services/${inputs.service}`,
        outputs: { email, member: `serviceAccount:${email}` },
      };
    }
    case 'gcp:projects/iAMMember:IAMMember':
      return { id: `${project}/${inputs.role}/${inputs.member}`, outputs: {} };
    case 'pulumi-nodejs:dynamic/camunda:MetricDescriptorWait':
      return { id: `${inputs.project}/${inputs.metricType}`, outputs: {} };
    case 'pulumi-nodejs:dynamic/camunda:PropagationDelay':
      return { id: `delay-${inputs.trigger}`, outputs: {} };
    case 'pulumi-nodejs:dynamic/camunda:LoopStarter':
      return {
        id: `${inputs.processDefinitionKey}/${inputs.loopName}`,
        outputs: { processInstanceId: 'loop-instance-1' },
      };
    default:
      return { outputs: {} };
  }
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  /** The URNs each resource (by logical name) depends on, as the engine received them. */
  readonly dependencies = new Map<string, string[]>();
  /** The parent URNs of each resource's aliases (by logical name): where it was declared before. */
  readonly aliasParents = new Map<string, string[]>();

  constructor(
    readonly preview: boolean,
    readonly deployerEmail: string = DEPLOYER_EMAIL,
  ) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Props } {
    const secretPaths: string[] = [];
    const inputs = unwrapSecrets(args.inputs, '', secretPaths) as Props;
    // In a preview of a new stack, provider-computed outputs are unknown: return inputs only.
    const fake = this.preview ? { outputs: {} } : fakeOutputs(args.type, args.name, inputs);
    const state = { ...inputs, ...fake.outputs };
    this.resources.push({ type: args.type, name: args.name, inputs, state, custom: args.custom ?? true, secretPaths });
    const id = this.preview ? undefined : (fake.id ?? `${args.name}-id`);
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Props {
    this.calls.push({ token: args.token, inputs: args.inputs });
    switch (args.token) {
      case 'gcp:organizations/getProject:getProject':
        return {
          projectId: args.inputs.projectId ?? PROJECT,
          number: PROJECT_NUMBER,
          name: 'Test project',
          id: `projects/${PROJECT}`,
        };
      case 'gcp:organizations/getClientConfig:getClientConfig':
        return {
          accessToken: FAKE_ACCESS_TOKEN,
          project: PROJECT,
          region: REGION,
          zone: `${REGION}-b`,
          id: 'client-config',
        };
      case 'gcp:organizations/getClientOpenIdUserInfo:getClientOpenIdUserInfo':
        // The provider's userinfo lookup: the e-mail of the credentials `pulumi up` runs with.
        return { email: this.deployerEmail, id: this.deployerEmail };
      default:
        throw new Error(`unexpected invoke ${args.token}`);
    }
  }

  /** Logical names of the resources `name` was declared to depend on (dependsOn and its inputs' resources). */
  dependenciesOf(name: string): string[] {
    const urns = this.dependencies.get(name);
    if (!urns) throw new Error(`no dependencies recorded for ${name}`);
    return urns.map((urn) => urn.split('::').pop() ?? urn);
  }

  /** Custom resources of a type (by token). */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource with this logical name; fails loudly when missing. */
  named(name: string): RecordedResource {
    const found = this.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have ${this.resources.map((r) => r.name).join(', ')}`);
    return found;
  }
}

export interface ProgramRun {
  readonly mocks: RecordingMocks;
  /** The stack outputs (what the program returned), resolved. */
  readonly outputs: Props;
  /** URNs of every registered resource (they encode the parent chain). */
  readonly urns: readonly string[];
}

export interface RunOptions {
  readonly preview?: boolean;
  /** Full configuration map (`namespace:key` → value); replaces any earlier configuration. */
  readonly config?: Record<string, string>;
  readonly stack?: string;
  /** The deploying identity's e-mail (default DEPLOYER_EMAIL, a user). */
  readonly deployerEmail?: string;
}

interface AliasRequest {
  getSpec(): { getParenturn(): string } | undefined;
}
interface RegisterRequest {
  getName(): string;
  getDependenciesList(): string[];
  getAliasesList(): AliasRequest[];
}
interface MockMonitorView {
  resources: Map<string, unknown>;
  registerResource(request: RegisterRequest, callback: unknown): Promise<void>;
}

/** Wraps the mock monitor so every registration's dependencies (dependsOn and inputs) and aliases are kept. */
function recordDependencies(monitor: MockMonitorView, mocks: RecordingMocks): void {
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    mocks.dependencies.set(request.getName(), request.getDependenciesList());
    const parents = request.getAliasesList().flatMap((alias) => alias.getSpec()?.getParenturn() ?? []);
    mocks.aliasParents.set(request.getName(), parents);
    return register(request, callback);
  };
}

/**
 * Runs `program` inside a mocked Pulumi stack and waits until every resource is registered.
 * The program's return value becomes the stack outputs.
 */
export async function runProgram(program: () => unknown, options: RunOptions = {}): Promise<ProgramRun> {
  const mocks = new RecordingMocks(options.preview ?? false, options.deployerEmail);
  await pulumi.runtime.setMocks(mocks, 'camunda-serverless', options.stack ?? STACK, options.preview ?? false);
  pulumi.runtime.setAllConfig(options.config ?? {});
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorView;
  recordDependencies(monitor, mocks);
  let outputs: pulumi.Inputs | undefined;
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => (await program()) as pulumi.Inputs | undefined);
  } finally {
    // Waits for every outstanding registration, so the record is complete and the next run clean.
    await pulumi.runtime.disconnect();
  }
  return { mocks, outputs: (outputs ?? {}) as Props, urns: [...monitor.resources.keys()] };
}

/** The value of an Output (undefined when unknown, as in a preview). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T | undefined> {
  if (pulumi.Output.isInstance(output)) return (output as unknown as { promise(): Promise<T | undefined> }).promise();
  return Promise.resolve(output as T);
}

/** Configuration map with the two required keys and any project keys given short. */
export function stackConfig(
  keys: Record<string, string | number | boolean> = {},
  gcp = { project: PROJECT, region: REGION },
): Record<string, string> {
  const config: Record<string, string> = {};
  if (gcp.project !== undefined) config['gcp:project'] = gcp.project;
  if (gcp.region !== undefined) config['gcp:region'] = gcp.region;
  for (const [key, value] of Object.entries(keys))
    config[key.includes(':') ? key : `camunda-serverless:${key}`] = String(value);
  return config;
}

/** The one resource of `type` (and `name`, if given) a run declared; fails loudly otherwise. */
export function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = run.mocks.ofType(type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0] as RecordedResource;
}

/** Every grant to `member` as `<type> <role>`, sorted. */
export function grantsTo(run: ProgramRun, member: string): string[] {
  return run.mocks.resources
    .filter((r) => r.inputs.member === member)
    .map((r) => `${r.type} ${r.inputs.role}`)
    .sort();
}

/** The message `declare` fails with; fails itself when it succeeds. */
export async function failureOf(declare: () => Promise<unknown>): Promise<string> {
  try {
    await declare();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the declaration to fail');
}
