// Enabling the Google APIs a component needs. They stay enabled on destroy: other stacks in the
// project may use them.

import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';

export interface ComponentApis {
  /** The enabled APIs (none when the component's `enableApis` is false). */
  readonly apis: readonly pulumi.Resource[];
  /** Options of resources that need the APIs first: parented to the component, after the APIs. */
  readonly afterApis: pulumi.CustomResourceOptions;
}

/** One `<name>-api-<api>` resource per API (`run` stands for run.googleapis.com), parented to `component`. */
export function declareApis(
  component: pulumi.ComponentResource,
  name: string,
  project: pulumi.Input<string>,
  apiNames: readonly string[],
): ComponentApis {
  const apis = apiNames.map(
    (api) =>
      new gcp.projects.Service(
        `${name}-api-${api}`,
        { project, service: `${api}.googleapis.com`, disableOnDestroy: false, disableDependentServices: false },
        { parent: component },
      ),
  );
  return { apis, afterApis: { parent: component, dependsOn: apis } };
}
