// Resource-level guards against a public Cloud Run service or function. Unlike the stack policy
// no-public-invoker (policies.ts), they judge each IAM grant and each service on its own: during `up`
// before it is created, and in preview even while some of its values are still unknown.
//
// A grant cannot see its service's labels, so its opt-in is the policy pack's config: `publicInvokers`
// lists the services and functions that may be public. The config is known before the program runs,
// the target's name is known in preview whenever the program gives it (CamundaServerless does), and a
// program cannot approve itself. Reading through a stack policy instead would run only after every
// resource of an `up` exists, the public grant included.

import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

/** The label a Cloud Run service or function must carry to be allowed a public invoker. */
export const PUBLIC_OPT_IN = { key: 'public-invoker', value: 'opted-in' } as const;

/** The members that make a resource public. */
export const PUBLIC_MEMBERS = new Set(['allUsers', 'allAuthenticatedUsers']);

/** The only roles an opted-in service or function may grant to the public. */
const INVOKER_ROLES = new Set(['roles/run.invoker', 'roles/cloudfunctions.invoker']);

interface InvokerTarget {
  readonly targetTypes: readonly string[];
  /** The grant's property naming the service or function (a name or a full resource path). */
  readonly nameProp: string;
}

const grantsOn = (targetType: string, nameProp: string): InvokerTarget => ({ targetTypes: [targetType], nameProp });
const RUN_V2 = grantsOn('gcp:cloudrunv2/service:Service', 'name');
const RUN_V1 = grantsOn('gcp:cloudrun/service:Service', 'service');
const FUNCTIONS_V2 = grantsOn('gcp:cloudfunctionsv2/function:Function', 'cloudFunction');
const FUNCTIONS_V1 = grantsOn('gcp:cloudfunctions/function:Function', 'cloudFunction');

/** IAM member, binding and policy types of what can be invoked over HTTP, with what they grant on. */
export const INVOKER_TARGETS: Readonly<Record<string, InvokerTarget>> = {
  'gcp:cloudrunv2/serviceIamMember:ServiceIamMember': RUN_V2,
  'gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding': RUN_V2,
  'gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy': RUN_V2,
  'gcp:cloudrun/iamMember:IamMember': RUN_V1,
  'gcp:cloudrun/iamBinding:IamBinding': RUN_V1,
  'gcp:cloudrun/iamPolicy:IamPolicy': RUN_V1,
  'gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember': FUNCTIONS_V2,
  'gcp:cloudfunctionsv2/functionIamBinding:FunctionIamBinding': FUNCTIONS_V2,
  'gcp:cloudfunctionsv2/functionIamPolicy:FunctionIamPolicy': FUNCTIONS_V2,
  'gcp:cloudfunctions/functionIamMember:FunctionIamMember': FUNCTIONS_V1,
  'gcp:cloudfunctions/functionIamBinding:FunctionIamBinding': FUNCTIONS_V1,
  'gcp:cloudfunctions/functionIamPolicy:FunctionIamPolicy': FUNCTIONS_V1,
};

/**
 * Grants with no opt-in: any role of a project to the public (run.invoker, cloudfunctions.invoker and
 * every broader role, run.developer or editor, carry the invoke permission for all its services), and
 * running a Cloud Run job.
 */
const NEVER_PUBLIC: Readonly<Record<string, string>> = {
  'gcp:projects/iAMMember:IAMMember': 'the whole project',
  'gcp:projects/iAMBinding:IAMBinding': 'the whole project',
  'gcp:projects/iAMPolicy:IAMPolicy': 'the whole project',
  'gcp:cloudrunv2/jobIamMember:JobIamMember': 'a Cloud Run job',
  'gcp:cloudrunv2/jobIamBinding:JobIamBinding': 'a Cloud Run job',
  'gcp:cloudrunv2/jobIamPolicy:JobIamPolicy': 'a Cloud Run job',
};

// ---- Reading values that may be unknown ----------------------------------------------------------

/** A value not known during preview (an output of a resource not created yet). */
const UNKNOWN = Symbol('unknown during preview');

/**
 * One step into `value`. The framework's proxy throws when a policy reads an unknown value and then
 * skips the whole policy for the resource; catching each read keeps the known rest checked. The read
 * is a plain property access, so the proxy's error is the only one it can raise.
 */
function peekAt(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (typeof current !== 'object' || current === null) return undefined;
    const parent = current as Record<string, unknown>;
    try {
      current = parent[key];
    } catch {
      return UNKNOWN;
    }
  }
  return current;
}

/** The known items of a list (an unknown list or item contributes nothing). */
function knownItems(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [];
  const items: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    const item = peekAt(value, String(i));
    if (item !== UNKNOWN) items.push(item);
  }
  return items;
}

// ---- Public grants -------------------------------------------------------------------------------

export interface PublicGrant {
  /** Undefined while the role is unknown during preview. */
  readonly role: string | undefined;
  readonly member: string;
}

/** IAM compares member names exactly; a variant spelling is refused all the same. */
const isPublicMember = (member: unknown): member is string =>
  typeof member === 'string' && ['allusers', 'allauthenticatedusers'].includes(member.trim().toLowerCase());

function policyDataGrants(policyData: string): PublicGrant[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policyData);
  } catch {
    return []; // Unparsable policy data is the provider's problem, not a violation.
  }
  return knownItems(peekAt(parsed, 'bindings')).flatMap((binding) => {
    const role = peekAt(binding, 'role');
    return knownItems(peekAt(binding, 'members'))
      .filter(isPublicMember)
      .map((member) => ({ role: typeof role === 'string' ? role : undefined, member }));
  });
}

/** The grants to allUsers/allAuthenticatedUsers of an IAM member, binding or policy, as far as known. */
export function publicGrants(props: Record<string, unknown>): PublicGrant[] {
  const rawRole = peekAt(props, 'role');
  const role = typeof rawRole === 'string' ? rawRole : undefined;
  const members = [peekAt(props, 'member'), ...knownItems(peekAt(props, 'members'))];
  const grants: PublicGrant[] = members.filter(isPublicMember).map((member) => ({ role, member }));
  const policyData = peekAt(props, 'policyData');
  if (typeof policyData === 'string') grants.push(...policyDataGrants(policyData));
  return grants;
}

const grantText = (grant: PublicGrant): string => `${grant.role ?? 'a role unknown during preview'} to ${grant.member}`;

/** The names the pack's config allows a public invoker on. */
function publicInvokers(args: ResourceValidationArgs): Set<string> {
  const configured = args.getConfig<{ publicInvokers?: unknown }>().publicInvokers;
  return new Set(Array.isArray(configured) ? configured.filter((n): n is string => typeof n === 'string') : []);
}

const GRANT_POLICY = 'no-public-invoker-grant';

/** Violations of one grant resource on a service or function (`target`). */
function targetGrantProblems(args: ResourceValidationArgs, target: InvokerTarget, grants: PublicGrant[]): string[] {
  const rawName = peekAt(args.props, target.nameProp);
  if (typeof rawName !== 'string') {
    return [
      `grants ${grantText(grants[0] as PublicGrant)}, but ${target.nameProp} (the service or function) is ${rawName === UNKNOWN ? 'unknown during preview' : 'not set'}, so it cannot be matched against the config ${GRANT_POLICY}.publicInvokers; give it a name known at preview`,
    ];
  }
  const name = rawName.split('/').pop() ?? rawName;
  if (!publicInvokers(args).has(name)) {
    return grants.map(
      (grant) =>
        `grants ${grantText(grant)} on '${name}', which the config ${GRANT_POLICY}.publicInvokers does not list; remove the member or add '${name}' there`,
    );
  }
  return grants
    .filter((grant) => grant.role === undefined || !INVOKER_ROLES.has(grant.role))
    .map(
      (grant) =>
        `grants ${grantText(grant)} on '${name}'; a public service is public for invoking only (roles/run.invoker or roles/cloudfunctions.invoker)`,
    );
}

export const noPublicInvokerGrant: ResourceValidationPolicy = {
  name: GRANT_POLICY,
  description:
    'No IAM member, binding or policy grants allUsers/allAuthenticatedUsers on a Cloud Run service or function that the ' +
    "pack's config does not list in publicInvokers, nor any role on a project or a Cloud Run job.",
  enforcementLevel: 'mandatory',
  severity: 'critical',
  remediationSteps:
    'Remove the public member, or list the service in the policy pack config (--policy-pack-config) under ' +
    `${GRANT_POLICY}.publicInvokers and label it ${PUBLIC_OPT_IN.key}=${PUBLIC_OPT_IN.value} (CamundaServerless public: true sets the label).`,
  configSchema: {
    properties: {
      publicInvokers: {
        type: 'array',
        items: { type: 'string' },
        default: [],
        description: 'Names of the Cloud Run services and functions that may grant roles/run.invoker to the public.',
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const scope = NEVER_PUBLIC[args.type];
    const target = INVOKER_TARGETS[args.type];
    if (scope === undefined && target === undefined) return;
    const grants = publicGrants(args.props);
    if (grants.length === 0) return;
    const problems = target
      ? targetGrantProblems(args, target, grants)
      : grants.map(
          (grant) => `grants ${grantText(grant)} on ${scope}, which can never be public; grant it on one service`,
        );
    for (const problem of problems) reportViolation(problem);
  },
};

// ---- The invoker check switched off --------------------------------------------------------------

/** Where each Cloud Run service type says "no invoker IAM check" and where its labels are. */
const INVOKER_SWITCHES: Readonly<
  Record<string, { readonly disabled: readonly string[]; readonly labels: readonly string[] }>
> = {
  'gcp:cloudrunv2/service:Service': { disabled: ['invokerIamDisabled'], labels: ['labels'] },
  'gcp:cloudrun/service:Service': {
    disabled: ['metadata', 'annotations', 'run.googleapis.com/invoker-iam-disabled'],
    labels: ['metadata', 'labels'],
  },
};

export const noInvokerIamDisabled: ResourceValidationPolicy = {
  name: 'no-invoker-iam-disabled',
  description: `A Cloud Run service switches its invoker IAM check off (public without any grant) only when labelled ${PUBLIC_OPT_IN.key}=${PUBLIC_OPT_IN.value}.`,
  enforcementLevel: 'mandatory',
  severity: 'critical',
  remediationSteps: `Leave invokerIamDisabled false (v1: no run.googleapis.com/invoker-iam-disabled annotation), or label the service ${PUBLIC_OPT_IN.key}=${PUBLIC_OPT_IN.value}.`,
  validateResource: (args, reportViolation) => {
    const spec = INVOKER_SWITCHES[args.type];
    if (!spec) return;
    const disabled = peekAt(args.props, ...spec.disabled);
    if (disabled !== true && !(typeof disabled === 'string' && disabled.trim().toLowerCase() === 'true')) return;
    const optIn = peekAt(args.props, ...spec.labels, PUBLIC_OPT_IN.key);
    if (optIn === PUBLIC_OPT_IN.value) return;
    const where = spec.disabled.join('.');
    reportViolation(
      optIn === UNKNOWN
        ? `${where} switches the invoker IAM check off, and its label ${PUBLIC_OPT_IN.key} is unknown during preview, so the opt-in cannot be seen; give the label literally`
        : `${where} switches the invoker IAM check off without the label ${PUBLIC_OPT_IN.key}=${PUBLIC_OPT_IN.value}`,
    );
  },
};
