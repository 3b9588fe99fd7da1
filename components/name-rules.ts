// Name rules that the components, the stack configuration and the policy pack must agree on, kept in
// one place so a name one of them accepts is never refused by another. Plain regular expressions and
// strings only: the policy pack (policy/) imports this file directly, without the components'
// dependencies.

/** GCP region names: `europe-west1`, `us-central1`, `northamerica-northeast2`, `me-central2`. */
export const REGION = /^[a-z]+(?:-[a-z]+)+\d{1,2}$/;

/** The examples every message about a region gives. */
const REGION_EXAMPLES = 'such as europe-west1 or us-central1';

/** The region rule, worded to follow the key it is about (`region: must be …`). */
export const REGION_RULE = `must be a GCP region ${REGION_EXAMPLES}`;

/** The region rule for a value the message shows: undefined when `value` is a region. */
export function regionProblem(value: string): string | undefined {
  return REGION.test(value) ? undefined : `'${value}' is not a GCP region: use a name ${REGION_EXAMPLES}`;
}

/**
 * Names of environment variables and outputs that hold secrets: PASSWORD, SECRET, TOKEN, API_KEY or
 * APIKEY, CREDENTIAL, … anywhere in the name, in any case. Such values come from Secret Manager.
 */
export const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_?KEY|CREDENTIAL/i;

/** True for a name that is reserved for Secret Manager references (see {@link SECRET_NAME}). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
