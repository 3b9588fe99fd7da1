// The security invariants of camunda-serverless as CrossGuard policies. They read resources by type
// token and property path only (no provider SDK), so they run against any program's resources and
// are unit-tested with plain objects.

import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
// The components refuse the same names (CamundaServerless `environment`): one rule for both. The file
// has no dependencies, so the pack loads it from policy/ like its own.
import { SECRET_NAME } from '../components/name-rules';
import {
  INVOKER_TARGETS,
  noInvokerIamDisabled,
  noPublicInvokerGrant,
  PUBLIC_MEMBERS,
  PUBLIC_OPT_IN,
} from './public-invoker';

export { PUBLIC_OPT_IN, noInvokerIamDisabled, noPublicInvokerGrant };

/** Environment variable and output names that hold secrets (the rule the components apply too). */
export { SECRET_NAME };

const PRIMITIVE_ROLES = new Set(['roles/owner', 'roles/editor']);
const DIGEST_REF = /@sha256:[0-9a-f]{64}$/;
/** A Secret Manager reference is fine wherever a secret's name would be. */
const SECRET_REFERENCE = /^projects\/[^/]+\/secrets\/[^/]+(?:\/versions\/[^/]+)?$/;

type Props = Record<string, unknown>;

function record(value: unknown): Props | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Props) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function at(value: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = record(current)?.[key];
  }
  return current;
}

/** Text that is a secret whatever its name: private keys, service-account keys, API keys, tokens. */
export function looksLikeSecretValue(value: string): boolean {
  return (
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value) ||
    /"private_key"\s*:/.test(value) ||
    /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/.test(value) ||
    /\bya29\.[0-9A-Za-z_-]{20,}/.test(value) ||
    /\bgh[pousr]_[0-9A-Za-z]{36}\b/.test(value)
  );
}

// ---- Environment variables -----------------------------------------------------------------------

interface EnvEntry {
  readonly name: string;
  readonly value: unknown;
  readonly where: string;
}

/** Plain (literal) environment variables of the compute resources this project uses. */
export function plainEnvironment(type: string, props: Props): EnvEntry[] {
  const fromList = (containers: unknown, where: string): EnvEntry[] =>
    list(containers).flatMap((container, c) =>
      list(record(container)?.envs).flatMap((env, e) => {
        const entry = record(env);
        return entry && typeof entry.name === 'string'
          ? [{ name: entry.name, value: entry.value, where: `${where}[${c}].envs[${e}]` }]
          : [];
      }),
    );
  const fromMap = (map: unknown, where: string): EnvEntry[] =>
    Object.entries(record(map) ?? {}).map(([name, value]) => ({ name, value, where: `${where}.${name}` }));
  switch (type) {
    case 'gcp:cloudrunv2/service:Service':
      return fromList(at(props, 'template', 'containers'), 'template.containers');
    case 'gcp:cloudrunv2/job:Job':
      return fromList(at(props, 'template', 'template', 'containers'), 'template.template.containers');
    case 'gcp:cloudrun/service:Service':
      return fromList(at(props, 'template', 'spec', 'containers'), 'template.spec.containers');
    case 'gcp:cloudfunctionsv2/function:Function':
      return [
        ...fromMap(at(props, 'serviceConfig', 'environmentVariables'), 'serviceConfig.environmentVariables'),
        ...fromMap(at(props, 'buildConfig', 'environmentVariables'), 'buildConfig.environmentVariables'),
      ];
    case 'gcp:cloudfunctions/function:Function':
      return [
        ...fromMap(props.environmentVariables, 'environmentVariables'),
        ...fromMap(props.buildEnvironmentVariables, 'buildEnvironmentVariables'),
      ];
    default:
      return [];
  }
}

export const noPlaintextSecretEnv: ResourceValidationPolicy = {
  name: 'no-plaintext-secret-env',
  description:
    'Secrets reach Cloud Run services and functions as Secret Manager references, never as literal environment variables.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  remediationSteps:
    'Keep the value in Secret Manager and use valueSource.secretKeyRef (Cloud Run) or secretEnvironmentVariables (functions).',
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    for (const env of plainEnvironment(args.type, args.props)) {
      const value = typeof env.value === 'string' ? env.value : undefined;
      if (value === undefined || value === '') continue;
      if (SECRET_NAME.test(env.name)) {
        reportViolation(`${env.where}: '${env.name}' holds a literal value; give it as a Secret Manager reference`);
      } else if (looksLikeSecretValue(value)) {
        reportViolation(`${env.where}: '${env.name}' holds what looks like a key or token; keep it in Secret Manager`);
      }
    }
  },
};

// ---- IAM -----------------------------------------------------------------------------------------

/** Role/member pairs of any IAM resource: *IamMember, *IamBinding, *IamPolicy (policyData JSON). */
export function iamGrants(props: Props): { role: string; member: string }[] {
  const grants: { role: string; member: string }[] = [];
  const role = typeof props.role === 'string' ? props.role : undefined;
  if (role && typeof props.member === 'string') grants.push({ role, member: props.member });
  if (role) for (const member of list(props.members)) if (typeof member === 'string') grants.push({ role, member });
  const addBindings = (bindings: unknown): void => {
    for (const binding of list(bindings)) {
      const b = record(binding);
      if (!b || typeof b.role !== 'string') continue;
      for (const member of list(b.members)) if (typeof member === 'string') grants.push({ role: b.role, member });
      if (list(b.members).length === 0) grants.push({ role: b.role, member: '' });
    }
  };
  addBindings(props.bindings);
  if (typeof props.policyData === 'string') {
    try {
      addBindings(record(JSON.parse(props.policyData))?.bindings);
    } catch {
      // Unparsable policy data is the provider's problem, not a violation.
    }
  }
  return grants;
}

export const noPrimitiveRoles: ResourceValidationPolicy = {
  name: 'no-primitive-roles',
  description: 'No owner or editor role is granted: every identity gets the narrow roles it needs.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  remediationSteps:
    'Grant predefined roles (run.invoker, cloudsql.client, pubsub.publisher, …) on the narrowest resource.',
  validateResource: (args, reportViolation) => {
    for (const grant of iamGrants(args.props)) {
      if (PRIMITIVE_ROLES.has(grant.role)) {
        reportViolation(
          `grants ${grant.role}${grant.member ? ` to ${grant.member}` : ''}; use a predefined role instead`,
        );
      }
    }
  },
};

const lastSegment = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.split('/').pop() : undefined;

/** The service or function an IAM resource grants on: by dependency first, else by name. */
function invokerTarget(resource: PolicyResource, resources: readonly PolicyResource[]): PolicyResource | undefined {
  const spec = INVOKER_TARGETS[resource.type];
  if (!spec) return undefined;
  const byDependency = (resource.propertyDependencies?.[spec.nameProp] ?? []).find((r) =>
    spec.targetTypes.includes(r.type),
  );
  if (byDependency) return byDependency;
  const wanted = lastSegment(resource.props[spec.nameProp]);
  return resources.find((r) => spec.targetTypes.includes(r.type) && lastSegment(r.props.name) === wanted);
}

function optedIn(target: PolicyResource | undefined): boolean {
  const labels = record(target?.props.labels);
  return labels?.[PUBLIC_OPT_IN.key] === PUBLIC_OPT_IN.value;
}

/** A Camunda engine (it has REST_AUTH) that is public must have Camunda authentication on. */
function camundaAuthProblem(target: PolicyResource): string | undefined {
  const restAuth = plainEnvironment(target.type, target.props).find((env) => env.name === 'REST_AUTH');
  if (restAuth && restAuth.value !== 'basic') {
    return `the Camunda engine '${target.name}' is public but REST_AUTH is '${String(restAuth.value)}'; public engines need REST_AUTH=basic`;
  }
  return undefined;
}

export const noPublicInvoker: StackValidationPolicy = {
  name: 'no-public-invoker',
  description:
    `Cloud Run services and functions are private: allUsers/allAuthenticatedUsers may invoke only a service labelled ` +
    `${PUBLIC_OPT_IN.key}=${PUBLIC_OPT_IN.value}, and a public Camunda engine has its basic authentication on.`,
  enforcementLevel: 'mandatory',
  severity: 'critical',
  remediationSteps: `Remove the public member, or opt in explicitly (CamundaServerless public: true sets the label and REST_AUTH=basic).`,
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    for (const resource of args.resources) {
      if (
        resource.type === 'gcp:cloudrunv2/service:Service' &&
        resource.props.invokerIamDisabled === true &&
        !optedIn(resource)
      ) {
        reportViolation(
          `Cloud Run service '${resource.name}' disables the invoker IAM check without opting in`,
          resource.urn,
        );
      }
      if (!INVOKER_TARGETS[resource.type]) continue;
      const publicGrants = iamGrants(resource.props).filter((g) => PUBLIC_MEMBERS.has(g.member));
      if (publicGrants.length === 0) continue;
      const target = invokerTarget(resource, args.resources);
      if (!target) {
        reportViolation(
          `'${resource.name}' grants ${publicGrants[0]?.member} on a service this stack does not declare, so no opt-in can be checked`,
          resource.urn,
        );
      } else if (!optedIn(target)) {
        reportViolation(
          `'${resource.name}' makes '${target.name}' public (${publicGrants[0]?.member}) without the label ${PUBLIC_OPT_IN.key}=${PUBLIC_OPT_IN.value}`,
          resource.urn,
        );
      } else {
        const problem = camundaAuthProblem(target);
        if (problem) reportViolation(problem, resource.urn);
      }
    }
  },
};

// ---- Outputs -------------------------------------------------------------------------------------

/** Values under secret-like keys that are not references, and secret-looking values anywhere. */
export function secretOutputs(outputs: Props, path = ''): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(outputs)) {
    const where = path ? `${path}.${key}` : key;
    if (typeof value === 'string') {
      if (SECRET_NAME.test(key) && value !== '' && !SECRET_REFERENCE.test(value)) {
        found.push(`${where} is named like a secret but is not a Secret Manager reference (projects/…/secrets/…)`);
      } else if (looksLikeSecretValue(value)) {
        found.push(`${where} holds what looks like a key or token`);
      }
    } else if (record(value)) {
      found.push(...secretOutputs(record(value) ?? {}, where));
    }
  }
  return found;
}

export const noSecretOutputs: StackValidationPolicy = {
  name: 'no-secret-outputs',
  description: 'Stack and component outputs carry references to secrets (Secret Manager names), never secret values.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  remediationSteps: 'Export the Secret Manager secret name instead of the value.',
  validateStack: (args, reportViolation) => {
    for (const resource of args.resources) {
      const isOutputHolder = resource.type === 'pulumi:pulumi:Stack' || resource.type.startsWith('camunda-serverless:');
      if (!isOutputHolder) continue;
      for (const problem of secretOutputs(resource.props))
        reportViolation(`${resource.type} '${resource.name}': ${problem}`, resource.urn);
    }
  },
};

// ---- Cloud SQL -----------------------------------------------------------------------------------

const SQL_INSTANCE = 'gcp:sql/databaseInstance:DatabaseInstance';

export const cloudSqlNoOpenNetwork: ResourceValidationPolicy = {
  name: 'cloud-sql-no-open-network',
  description: 'Cloud SQL never authorizes 0.0.0.0/0 (or ::/0): connections go through the Cloud SQL connectors.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  remediationSteps: 'Remove the authorized network; connect with the Cloud SQL socket factory or Auth Proxy.',
  validateResource: (args, reportViolation) => {
    if (args.type !== SQL_INSTANCE) return;
    for (const network of list(at(args.props, 'settings', 'ipConfiguration', 'authorizedNetworks'))) {
      const value = record(network)?.value;
      if (typeof value === 'string' && /\/0$/.test(value.trim())) {
        reportViolation(`authorizes ${value.trim()}: the whole internet may try to connect`);
      }
    }
  },
};

const SSL_MODES = new Set(['ENCRYPTED_ONLY', 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED']);

export const cloudSqlRequireSsl: ResourceValidationPolicy = {
  name: 'cloud-sql-require-ssl',
  description: 'Cloud SQL accepts encrypted connections only.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  remediationSteps:
    "Set settings.ipConfiguration.sslMode to 'ENCRYPTED_ONLY' (or 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED').",
  validateResource: (args, reportViolation) => {
    if (args.type !== SQL_INSTANCE) return;
    const ip = record(at(args.props, 'settings', 'ipConfiguration'));
    const sslMode = ip?.sslMode;
    if (typeof sslMode === 'string' && SSL_MODES.has(sslMode)) return;
    reportViolation(
      `sslMode is ${sslMode === undefined ? 'not set (unencrypted allowed)' : `'${String(sslMode)}'`}; require ENCRYPTED_ONLY`,
    );
  },
};

// ---- Images --------------------------------------------------------------------------------------

export const cloudRunImageByDigest: ResourceValidationPolicy = {
  name: 'cloud-run-image-by-digest',
  description: 'Cloud Run runs images by digest, so what runs is exactly what was built and every change rolls out.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  remediationSteps: 'Pass the image repoDigest (…@sha256:…), not a tag.',
  validateResource: (args, reportViolation) => {
    let containers: unknown;
    if (args.type === 'gcp:cloudrunv2/service:Service') containers = at(args.props, 'template', 'containers');
    else if (args.type === 'gcp:cloudrunv2/job:Job') containers = at(args.props, 'template', 'template', 'containers');
    else if (args.type === 'gcp:cloudrun/service:Service')
      containers = at(args.props, 'template', 'spec', 'containers');
    else return;
    list(containers).forEach((container, index) => {
      const image = record(container)?.image;
      if (typeof image !== 'string' || !DIGEST_REF.test(image)) {
        reportViolation(`container ${index} runs '${String(image)}', not an image by digest (…@sha256:<64 hex>)`);
      }
    });
  },
};

/** Every policy of the pack, in the order they are reported. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  noPublicInvoker,
  noPublicInvokerGrant,
  noInvokerIamDisabled,
  noPlaintextSecretEnv,
  noSecretOutputs,
  noPrimitiveRoles,
  cloudSqlNoOpenNetwork,
  cloudSqlRequireSsl,
  cloudRunImageByDigest,
];
