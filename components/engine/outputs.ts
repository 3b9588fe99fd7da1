// Step 8 of CamundaServerless: what the component exposes, and the part of it registered as its
// outputs (only non-secret values: component outputs end up in the state and in `pulumi stack` views).

import * as pulumi from '@pulumi/pulumi';
import type { EngineAdmin } from './basic-auth';
import type { EngineDatabase } from './database';
import type { EngineBasicAuth } from './endpoint';
import type { EngineIdentity } from './identity';
import type { EngineImage } from './image';
import type { EngineService } from './service';

export interface EngineOutputs {
  readonly url: pulumi.Output<string>;
  readonly messageUrl: pulumi.Output<string>;
  readonly serviceAccountEmail: pulumi.Output<string>;
  readonly databaseConnectionName: pulumi.Output<string>;
  readonly imageDigest: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly location: pulumi.Output<string>;
  readonly project: pulumi.Output<string>;
  readonly databasePasswordSecret: pulumi.Output<string>;
  readonly basicAuth: EngineBasicAuth | undefined;
}

export function engineOutputs(steps: {
  identity: EngineIdentity;
  db: EngineDatabase;
  admin: EngineAdmin | undefined;
  image: EngineImage;
  service: EngineService;
}): EngineOutputs {
  const { service } = steps.service;
  return {
    url: service.uri,
    messageUrl: pulumi.interpolate`${service.uri}/engine-rest/message`,
    serviceAccountEmail: steps.identity.serviceAccount.email,
    databaseConnectionName: steps.db.instance.connectionName,
    imageDigest: steps.image.digest,
    serviceName: service.name,
    location: service.location,
    project: service.project,
    databasePasswordSecret: steps.db.passwordSecret.id,
    basicAuth: steps.admin?.credentials,
  };
}

/** The outputs to register: everything but the basic-auth credentials. */
export function registeredEngineOutputs(outputs: EngineOutputs): pulumi.Inputs {
  return {
    url: outputs.url,
    messageUrl: outputs.messageUrl,
    serviceAccountEmail: outputs.serviceAccountEmail,
    databaseConnectionName: outputs.databaseConnectionName,
    imageDigest: outputs.imageDigest,
    serviceName: outputs.serviceName,
    location: outputs.location,
    project: outputs.project,
    databasePasswordSecret: outputs.databasePasswordSecret,
  };
}
