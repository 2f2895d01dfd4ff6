// Hand-built resource types for OpenAPI and field-validation tests (the real list lives in lib/registry).
import type { ResourceType } from '../../lib/registry/resource-type.js';

export const pods: ResourceType = {
  group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'],
  model: 'V1Pod', statusSubresource: true,
  subresources: [
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
};

export const namespaces: ResourceType = {
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false,
  model: 'V1Namespace', statusSubresource: true, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
};

export const events: ResourceType = {
  group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, model: 'CoreV1Event',
};

export const deployments: ResourceType = {
  group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true,
  shortNames: ['deploy'], model: 'V1Deployment', statusSubresource: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorFromSpec: true },
};

export const cronTabSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        cronSpec: { type: 'string' },
        image: { type: 'string' },
        replicas: { type: 'integer' },
        ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

export const cronTabs: ResourceType = {
  group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab', namespaced: true,
  shortNames: ['ct'], schema: cronTabSchema, statusSubresource: true,
};

export const allFixtures = [pods, namespaces, events, deployments, cronTabs];

const rt = (group: string, version: string, kind: string, plural: string, namespaced: boolean, model: string, extra: Partial<ResourceType> = {}): ResourceType => ({
  group, version, kind, plural, singular: kind.toLowerCase(), namespaced, model, ...extra,
});

/** A broad set of built-in kinds across groups, for naming and timing checks. */
export const broadResources: ResourceType[] = [
  pods, namespaces, events,
  rt('', 'v1', 'ConfigMap', 'configmaps', true, 'V1ConfigMap'),
  rt('', 'v1', 'Secret', 'secrets', true, 'V1Secret'),
  rt('', 'v1', 'Service', 'services', true, 'V1Service', { statusSubresource: true }),
  rt('', 'v1', 'Node', 'nodes', false, 'V1Node', { statusSubresource: true }),
  rt('', 'v1', 'PersistentVolume', 'persistentvolumes', false, 'V1PersistentVolume', { statusSubresource: true }),
  rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, 'V1PersistentVolumeClaim', { statusSubresource: true }),
  rt('', 'v1', 'ServiceAccount', 'serviceaccounts', true, 'V1ServiceAccount', {
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  rt('', 'v1', 'Endpoints', 'endpoints', true, 'V1Endpoints'),
  rt('', 'v1', 'ResourceQuota', 'resourcequotas', true, 'V1ResourceQuota', { statusSubresource: true }),
  rt('', 'v1', 'LimitRange', 'limitranges', true, 'V1LimitRange'),
  rt('', 'v1', 'ReplicationController', 'replicationcontrollers', true, 'V1ReplicationController', { statusSubresource: true }),
  rt('', 'v1', 'PodTemplate', 'podtemplates', true, 'V1PodTemplate'),
  deployments,
  rt('apps', 'v1', 'ReplicaSet', 'replicasets', true, 'V1ReplicaSet', { statusSubresource: true, scale: deployments.scale }),
  rt('apps', 'v1', 'StatefulSet', 'statefulsets', true, 'V1StatefulSet', { statusSubresource: true, scale: deployments.scale }),
  rt('apps', 'v1', 'DaemonSet', 'daemonsets', true, 'V1DaemonSet', { statusSubresource: true }),
  rt('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true, 'V1ControllerRevision'),
  rt('batch', 'v1', 'Job', 'jobs', true, 'V1Job', { statusSubresource: true }),
  rt('batch', 'v1', 'CronJob', 'cronjobs', true, 'V1CronJob', { statusSubresource: true }),
  rt('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, 'V2HorizontalPodAutoscaler', { statusSubresource: true }),
  rt('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, 'V1HorizontalPodAutoscaler', { statusSubresource: true }),
  rt('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, 'V1Ingress', { statusSubresource: true }),
  rt('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, 'V1NetworkPolicy'),
  rt('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false, 'V1IngressClass'),
  rt('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false, 'V1ClusterRole'),
  rt('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true, 'V1RoleBinding'),
  rt('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, 'V1StorageClass'),
  rt('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, 'V1VolumeAttachment', { statusSubresource: true }),
  rt('storage.k8s.io', 'v1', 'CSIStorageCapacity', 'csistoragecapacities', true, 'V1CSIStorageCapacity'),
  rt('events.k8s.io', 'v1', 'Event', 'events', true, 'EventsV1Event'),
  rt('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, 'V1EndpointSlice'),
  rt('coordination.k8s.io', 'v1', 'Lease', 'leases', true, 'V1Lease'),
  rt('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, 'V1PodDisruptionBudget', { statusSubresource: true }),
  rt('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, 'V1PriorityClass'),
  rt('node.k8s.io', 'v1', 'RuntimeClass', 'runtimeclasses', false, 'V1RuntimeClass'),
  rt('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, 'V1CertificateSigningRequest', { statusSubresource: true }),
  rt('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, 'V1ValidatingWebhookConfiguration'),
  rt('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, 'V1CustomResourceDefinition', { statusSubresource: true }),
  rt('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, 'V1APIService', { statusSubresource: true }),
  rt('flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema', 'flowschemas', false, 'V1FlowSchema', { statusSubresource: true }),
  rt('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, 'V1SelfSubjectAccessReview', { verbs: ['create'] }),
  rt('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, 'V1TokenReview', { verbs: ['create'] }),
  rt('internal.apiserver.k8s.io', 'v1alpha1', 'StorageVersion', 'storageversions', false, 'V1alpha1StorageVersion', { statusSubresource: true }),
  cronTabs,
];
