// Resources of the named API groups (apps, batch, autoscaling, policy, …), one strategy file
// each, listed in kube-apiserver's group discovery order (apps, events.k8s.io, autoscaling,
// batch, networking.k8s.io, policy, rbac.authorization.k8s.io, storage.k8s.io,
// apiextensions.k8s.io, coordination.k8s.io, node.k8s.io, discovery.k8s.io); within a group
// the preferred version comes first (autoscaling/v2 before v1).
import { clusterrolebindings } from './clusterrolebinding.js';
import { clusterroles } from './clusterrole.js';
import { controllerrevisions } from './controllerrevision.js';
import { cronjobs } from './cronjob.js';
import { customresourcedefinitions } from './customresourcedefinition.js';
import { daemonsets } from './daemonset.js';
import { deployments } from './deployment.js';
import { endpointslices } from './endpointslice.js';
import { eventsV1 } from './events-v1-event.js';
import { horizontalpodautoscalersV1, horizontalpodautoscalersV2 } from './horizontalpodautoscaler.js';
import { ingressclasses } from './ingressclass.js';
import { ingresses } from './ingress.js';
import { jobs } from './job.js';
import { leases } from './lease.js';
import { networkpolicies } from './networkpolicy.js';
import { poddisruptionbudgets } from './poddisruptionbudget.js';
import { replicasets } from './replicaset.js';
import type { ResourceType } from './resource-type.js';
import { rolebindings } from './rolebinding.js';
import { roles } from './role.js';
import { runtimeclasses } from './runtimeclass.js';
import { statefulsets } from './statefulset.js';
import { storageclasses } from './storageclass.js';

export const groupResources: ResourceType[] = [
  controllerrevisions,
  daemonsets,
  deployments,
  replicasets,
  statefulsets,
  eventsV1,
  horizontalpodautoscalersV2,
  horizontalpodautoscalersV1,
  cronjobs,
  jobs,
  ingressclasses,
  ingresses,
  networkpolicies,
  poddisruptionbudgets,
  clusterrolebindings,
  clusterroles,
  rolebindings,
  roles,
  storageclasses,
  customresourcedefinitions,
  leases,
  runtimeclasses,
  endpointslices,
];
