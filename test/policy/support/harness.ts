// Runs CrossGuard policies in-process, the way the pack's server would: resource policies per
// resource, stack policies over all of them. No CLI, no gRPC.

import type {
  Policy,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';

export interface FakeResource {
  readonly type: string;
  readonly name?: string;
  readonly props: Record<string, unknown>;
  /** Resources a property's value came from (what Pulumi tracks as property dependencies). */
  readonly propertyDependencies?: Record<string, FakeResource[]>;
}

export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

/** What a run gives: violations, and the policies the framework could not run for a value unknown in preview. */
export interface Outcome {
  readonly violations: Violation[];
  /** Like the framework's advisory "can't run policy … during preview" notes. */
  readonly skipped: Violation[];
}

/** Each policy's config by policy name, as `--policy-pack-config` gives it. */
export type PackConfig = Record<string, Record<string, unknown>>;

/** A value unknown during preview (an output of a resource not created yet). */
export const UNKNOWN: unknown = { __pulumiUnknown: true };

/** Thrown when a policy reads a value that is unknown during preview (the framework skips it). */
class UnknownValueError extends Error {}

const isUnknown = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>).__pulumiUnknown === true;

/**
 * Like the policy framework: a policy that reads a value still unknown in preview is not
 * evaluated for that resource, instead of seeing a placeholder.
 */
function unknownChecking<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const inner: unknown = Reflect.get(target, key, receiver);
      if (isUnknown(inner)) throw new UnknownValueError(`unknown value at ${String(key)}`);
      return unknownChecking(inner);
    },
  }) as T;
}

async function skippingUnknowns(run: () => Promise<void> | void, skipped: () => void): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof UnknownValueError)) throw err;
    skipped();
  }
}

const urnOf = (r: FakeResource): string => `urn:pulumi:test::camunda-serverless::${r.type}::${r.name ?? 'r'}`;

const notApplicable = (reason?: string): never => {
  throw new Error(`not applicable: ${reason ?? ''}`);
};

function toPolicyResource(r: FakeResource, cache: Map<FakeResource, PolicyResource>): PolicyResource {
  const cached = cache.get(r);
  if (cached) return cached;
  const resource = {
    type: r.type,
    props: unknownChecking(r.props),
    urn: urnOf(r),
    name: r.name ?? 'r',
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies: [],
    propertyDependencies: {} as Record<string, PolicyResource[]>,
    isType: () => false,
    asType: () => undefined,
  } as PolicyResource;
  cache.set(r, resource);
  for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
    resource.propertyDependencies[key] = deps.map((d) => toPolicyResource(d, cache));
  }
  return resource;
}

const configOf =
  (config: PackConfig, policy: string) =>
  <T extends object>(): T =>
    (config[policy] ?? {}) as T;

function resourceArgs(r: FakeResource, getConfig: ResourceValidationArgs['getConfig']): ResourceValidationArgs {
  return {
    type: r.type,
    props: unknownChecking(r.props),
    urn: urnOf(r),
    name: r.name ?? 'r',
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig,
    notApplicable,
  };
}

const isStackPolicy = (p: Policy): p is StackValidationPolicy => 'validateStack' in p;

/** Violations of one policy for one resource (resource policies) or for all (stack policies). */
export async function check(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  resources: FakeResource[],
  config: PackConfig = {},
): Promise<string[]> {
  return (await checkAll([policy], resources, config)).map((v) => v.message);
}

/** Violations of every policy over every resource. */
export async function checkAll(
  policies: (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: FakeResource[],
  config: PackConfig = {},
): Promise<Violation[]> {
  return (await run(policies, resources, config)).violations;
}

/** Every policy over every resource: violations, and policies skipped for unknown values. */
export async function run(
  policies: (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: FakeResource[],
  config: PackConfig = {},
): Promise<Outcome> {
  const violations: Violation[] = [];
  const skipped: Violation[] = [];
  for (const policy of policies) {
    const getConfig = configOf(config, policy.name);
    const skip = (resource: string) => () =>
      skipped.push({ policy: policy.name, resource, message: `can't run policy '${policy.name}' during preview` });
    if (isStackPolicy(policy)) {
      const cache = new Map<FakeResource, PolicyResource>();
      const args: StackValidationArgs = {
        resources: resources.map((r) => toPolicyResource(r, cache)),
        stackTags: new Map(),
        getConfig,
        notApplicable,
      };
      const report: ReportViolation = (message, urn) =>
        violations.push({ policy: policy.name, resource: urn ?? '(stack)', message });
      await skippingUnknowns(() => policy.validateStack(args, report), skip('(stack)'));
      continue;
    }
    const validations =
      policy.validateResource === undefined
        ? []
        : Array.isArray(policy.validateResource)
          ? policy.validateResource
          : [policy.validateResource];
    for (const resource of resources) {
      const report: ReportViolation = (message) =>
        violations.push({ policy: policy.name, resource: urnOf(resource), message });
      for (const validate of validations) {
        await skippingUnknowns(() => validate(resourceArgs(resource, getConfig), report), skip(urnOf(resource)));
      }
    }
  }
  return { violations, skipped };
}
