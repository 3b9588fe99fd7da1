// The camunda-serverless policy pack: `pulumi preview --policy-pack policy` (or `pulumi up …`).
// The policies live in policies.ts so unit tests import them without starting the pack's server.

import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

new PolicyPack('camunda-serverless-security', {
  description:
    'Security invariants of camunda-serverless: private by default, no plain-text secrets, no primitive roles, locked-down Cloud SQL, images by digest.',
  enforcementLevel: 'mandatory',
  policies,
});
