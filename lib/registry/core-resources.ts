// The core/v1 resources served by kubeshim, one strategy file each, in upstream's /api/v1 order.
import { configMap } from './configmap.js';
import { endpoints } from './endpoints.js';
import { event } from './event.js';
import { limitRange } from './limitrange.js';
import { namespace } from './namespace.js';
import { node } from './node.js';
import { persistentVolume } from './persistentvolume.js';
import { persistentVolumeClaim } from './persistentvolumeclaim.js';
import { pod } from './pod.js';
import { podTemplate } from './podtemplate.js';
import { replicationController } from './replicationcontroller.js';
import type { ResourceType } from './resource-type.js';
import { resourceQuota } from './resourcequota.js';
import { secret } from './secret.js';
import { service } from './service.js';
import { serviceAccount } from './serviceaccount.js';

export const coreResources: ResourceType[] = [
  configMap,
  endpoints,
  event,
  limitRange,
  namespace,
  node,
  persistentVolumeClaim,
  persistentVolume,
  pod,
  podTemplate,
  replicationController,
  resourceQuota,
  secret,
  serviceAccount,
  service,
];
