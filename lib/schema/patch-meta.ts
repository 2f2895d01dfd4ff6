// Patch and apply metadata of built-in kinds: the struct tags and markers upstream puts on Go
// fields in k8s.io/api and k8s.io/apimachinery/pkg/apis/meta/v1 types.go —
//   `patchStrategy:"merge" patchMergeKey:"name"`      → strategic merge patch (kubectl, PATCH)
//   `+listType=map|set|atomic`, `+listMapKey=…`        → server-side apply (structured-merge-diff)
//   `+mapType=atomic`, `+structType=atomic`            → server-side apply ownership granularity
// They surface in OpenAPI as x-kubernetes-patch-strategy / -patch-merge-key / -list-type /
// -list-map-keys / -map-type. client-node's attributeTypeMap does not carry them, so this table
// does; it is keyed by client-node model name (V1PodSpec, CoreV1Event, DiscoveryV1EndpointPort…).
//
// A list field that is absent from this table has no merge strategy (strategic merge patch
// replaces it whole) and is atomic for apply, which is what upstream does for an unmarked list.

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

export interface PatchMeta {
  strategy?: PatchStrategy;
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

// Compact notation, one string per field, parts separated by '|':
//   'merge:name'            patchStrategy merge, patchMergeKey name
//   'merge'                 patchStrategy merge (primitive list → merged set)
//   'retainKeys'            patchStrategy retainKeys
//   'merge,retainKeys:name' both
//   'map:name,protocol'     +listType=map with +listMapKey name and protocol
//   'set' | 'atomic'        +listType=set / atomic
//   'matomic'               +mapType=atomic
const CONDITIONS = 'merge:type|map:type';
const BY_NAME = 'merge:name|map:name';

const containerFields = {
  command: 'atomic',
  args: 'atomic',
  ports: 'merge:containerPort|map:containerPort,protocol',
  envFrom: 'atomic',
  env: BY_NAME,
  volumeMounts: 'merge:mountPath|map:mountPath',
  volumeDevices: 'merge:devicePath|map:devicePath',
  resizePolicy: 'atomic',
  restartPolicyRules: 'atomic',
};

const TABLE: Record<string, Record<string, string>> = {
  // ---- meta/v1
  V1ObjectMeta: { finalizers: 'merge|set', ownerReferences: 'merge:uid|map:uid', managedFields: 'atomic' },
  V1LabelSelector: { matchExpressions: 'atomic' },
  V1LabelSelectorRequirement: { values: 'atomic' },
  V1StatusDetails: { causes: 'atomic' },
  V1APIResource: { verbs: 'atomic', shortNames: 'atomic', categories: 'atomic' },
  V1APIGroup: { versions: 'atomic', serverAddressByClientCIDRs: 'atomic' },

  // ---- core/v1
  V1PodSpec: {
    volumes: 'merge,retainKeys:name|map:name',
    initContainers: BY_NAME,
    containers: BY_NAME,
    ephemeralContainers: BY_NAME,
    imagePullSecrets: BY_NAME,
    hostAliases: 'merge:ip|map:ip',
    tolerations: 'atomic',
    readinessGates: 'atomic',
    topologySpreadConstraints: 'merge:topologyKey|map:topologyKey,whenUnsatisfiable',
    schedulingGates: BY_NAME,
    resourceClaims: 'merge,retainKeys:name|map:name',
    nodeSelector: 'matomic',
  },
  V1Container: containerFields,
  V1EphemeralContainer: containerFields,
  V1PodStatus: {
    conditions: CONDITIONS,
    hostIPs: 'merge:ip|atomic',
    podIPs: 'merge:ip|map:ip',
    initContainerStatuses: 'atomic',
    containerStatuses: 'atomic',
    ephemeralContainerStatuses: 'atomic',
    resourceClaimStatuses: 'merge,retainKeys:name|map:name',
  },
  V1ContainerStatus: { volumeMounts: 'merge:mountPath|map:mountPath', allocatedResourcesStatus: 'map:name' },
  V1ResourceStatus: { resources: 'map:resourceID' },
  V1ResourceRequirements: { claims: 'map:name' },
  V1PodSecurityContext: { supplementalGroups: 'atomic', sysctls: 'atomic' },
  V1Capabilities: { add: 'atomic', drop: 'atomic' },
  V1PodDNSConfig: { nameservers: 'atomic', searches: 'atomic', options: 'atomic' },
  V1HostAlias: { hostnames: 'atomic' },
  V1ExecAction: { command: 'atomic' },
  V1HTTPGetAction: { httpHeaders: 'atomic' },
  V1NodeSelector: { nodeSelectorTerms: 'atomic' },
  V1NodeSelectorTerm: { matchExpressions: 'atomic', matchFields: 'atomic' },
  V1NodeSelectorRequirement: { values: 'atomic' },
  V1NodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: 'atomic' },
  V1PodAffinity: { requiredDuringSchedulingIgnoredDuringExecution: 'atomic', preferredDuringSchedulingIgnoredDuringExecution: 'atomic' },
  V1PodAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: 'atomic', preferredDuringSchedulingIgnoredDuringExecution: 'atomic' },
  V1PodAffinityTerm: { namespaces: 'atomic', matchLabelKeys: 'atomic', mismatchLabelKeys: 'atomic' },
  V1TopologySpreadConstraint: { matchLabelKeys: 'atomic' },
  V1ConfigMapVolumeSource: { items: 'atomic' },
  V1SecretVolumeSource: { items: 'atomic' },
  V1ConfigMapProjection: { items: 'atomic' },
  V1SecretProjection: { items: 'atomic' },
  V1DownwardAPIVolumeSource: { items: 'atomic' },
  V1DownwardAPIProjection: { items: 'atomic' },
  V1ProjectedVolumeSource: { sources: 'atomic' },
  V1CSIVolumeSource: { volumeAttributes: 'granular' },
  V1CephFSVolumeSource: { monitors: 'atomic' },
  V1CephFSPersistentVolumeSource: { monitors: 'atomic' },
  V1RBDVolumeSource: { monitors: 'atomic' },
  V1RBDPersistentVolumeSource: { monitors: 'atomic' },
  V1ISCSIVolumeSource: { portals: 'atomic' },
  V1ISCSIPersistentVolumeSource: { portals: 'atomic' },
  V1FCVolumeSource: { targetWWNs: 'atomic', wwids: 'atomic' },
  V1ServiceSpec: {
    ports: 'merge:port|map:port,protocol',
    selector: 'matomic',
    clusterIPs: 'atomic',
    externalIPs: 'atomic',
    loadBalancerSourceRanges: 'atomic',
    ipFamilies: 'atomic',
  },
  V1ServiceStatus: { conditions: CONDITIONS },
  V1LoadBalancerStatus: { ingress: 'atomic' },
  V1LoadBalancerIngress: { ports: 'atomic' },
  V1Endpoints: { subsets: 'atomic' },
  V1EndpointSubset: { addresses: 'atomic', notReadyAddresses: 'atomic', ports: 'atomic' },
  V1NodeSpec: { podCIDRs: 'merge|set', taints: 'atomic' },
  V1NodeStatus: {
    conditions: CONDITIONS,
    addresses: 'merge:type|map:type',
    images: 'atomic',
    volumesInUse: 'atomic',
    volumesAttached: 'atomic',
    runtimeHandlers: 'atomic',
  },
  V1ContainerImage: { names: 'atomic' },
  V1NamespaceSpec: { finalizers: 'atomic' },
  V1NamespaceStatus: { conditions: CONDITIONS },
  V1PersistentVolumeClaimSpec: { accessModes: 'atomic' },
  V1PersistentVolumeClaimStatus: { accessModes: 'atomic', conditions: CONDITIONS },
  V1PersistentVolumeSpec: { accessModes: 'atomic', mountOptions: 'atomic' },
  V1ServiceAccount: { secrets: BY_NAME, imagePullSecrets: 'atomic' },
  V1ReplicationControllerSpec: { selector: 'matomic' },
  V1ReplicationControllerStatus: { conditions: CONDITIONS },
  V1LimitRangeSpec: { limits: 'atomic' },
  V1ResourceQuotaSpec: { scopes: 'atomic' },
  V1ScopeSelector: { matchExpressions: 'atomic' },
  V1ScopedResourceSelectorRequirement: { values: 'atomic' },
  V1ComponentStatus: { conditions: CONDITIONS },
  V1TopologySelectorTerm: { matchLabelExpressions: 'atomic' },
  V1TopologySelectorLabelRequirement: { values: 'atomic' },

  // ---- apps/v1
  V1DeploymentSpec: { strategy: 'retainKeys' },
  V1DeploymentStatus: { conditions: CONDITIONS },
  V1ReplicaSetStatus: { conditions: CONDITIONS },
  V1DaemonSetStatus: { conditions: CONDITIONS },
  V1StatefulSetSpec: { volumeClaimTemplates: 'atomic' },
  V1StatefulSetStatus: { conditions: CONDITIONS },

  // ---- batch/v1
  V1JobStatus: { conditions: 'merge:type|atomic' },
  V1PodFailurePolicy: { rules: 'atomic' },
  V1PodFailurePolicyRule: { onPodConditions: 'atomic' },
  V1PodFailurePolicyOnExitCodesRequirement: { values: 'set' },
  V1SuccessPolicy: { rules: 'atomic' },
  V1UncountedTerminatedPods: { succeeded: 'set', failed: 'set' },
  V1CronJobStatus: { active: 'atomic' },

  // ---- autoscaling/v2
  V2HorizontalPodAutoscalerSpec: { metrics: 'atomic' },
  V2HorizontalPodAutoscalerStatus: { currentMetrics: 'atomic', conditions: CONDITIONS },
  V2HPAScalingRules: { policies: 'atomic' },

  // ---- policy/v1
  V1PodDisruptionBudgetStatus: { conditions: CONDITIONS },

  // ---- networking/v1
  V1NetworkPolicySpec: { ingress: 'atomic', egress: 'atomic', policyTypes: 'atomic' },
  V1NetworkPolicyIngressRule: { ports: 'atomic', from: 'atomic' },
  V1NetworkPolicyEgressRule: { ports: 'atomic', to: 'atomic' },
  V1IPBlock: { except: 'atomic' },
  V1IngressSpec: { tls: 'atomic', rules: 'atomic' },
  V1IngressTLS: { hosts: 'atomic' },
  V1HTTPIngressRuleValue: { paths: 'atomic' },
  V1IngressLoadBalancerStatus: { ingress: 'atomic' },
  V1IngressLoadBalancerIngress: { ports: 'atomic' },

  // ---- rbac/v1
  V1Role: { rules: 'atomic' },
  V1ClusterRole: { rules: 'atomic' },
  V1AggregationRule: { clusterRoleSelectors: 'atomic' },
  V1PolicyRule: { verbs: 'atomic', apiGroups: 'atomic', resources: 'atomic', resourceNames: 'atomic', nonResourceURLs: 'atomic' },
  V1RoleBinding: { subjects: 'atomic' },
  V1ClusterRoleBinding: { subjects: 'atomic' },

  // ---- discovery/v1
  V1EndpointSlice: { endpoints: 'atomic', ports: 'atomic' },
  V1Endpoint: { addresses: 'set' },
  V1EndpointHints: { forZones: 'atomic', forNodes: 'atomic' },

  // ---- storage/v1
  V1StorageClass: { mountOptions: 'atomic', allowedTopologies: 'atomic' },
  V1CSINodeSpec: { drivers: BY_NAME },
  V1CSINodeDriver: { topologyKeys: 'atomic' },
  V1CSIDriverSpec: { volumeLifecycleModes: 'set', tokenRequests: 'atomic' },

  // ---- admissionregistration/v1
  V1ValidatingWebhookConfiguration: { webhooks: BY_NAME },
  V1MutatingWebhookConfiguration: { webhooks: BY_NAME },
  V1ValidatingWebhook: { rules: 'atomic', admissionReviewVersions: 'atomic', matchConditions: BY_NAME },
  V1MutatingWebhook: { rules: 'atomic', admissionReviewVersions: 'atomic', matchConditions: BY_NAME },
  V1RuleWithOperations: { operations: 'atomic', apiGroups: 'atomic', apiVersions: 'atomic', resources: 'atomic' },

  // ---- apiextensions/v1
  V1CustomResourceDefinitionSpec: { versions: 'atomic' },
  V1CustomResourceDefinitionNames: { shortNames: 'atomic', categories: 'atomic' },
  V1CustomResourceDefinitionVersion: { additionalPrinterColumns: 'atomic', selectableFields: 'atomic' },

  // ---- certificates, apiextensions, apiregistration: conditions only
  V1CertificateSigningRequestSpec: { usages: 'atomic', groups: 'atomic' },
  V1CertificateSigningRequestStatus: { conditions: 'map:type' },
  V1CustomResourceDefinitionStatus: { conditions: 'map:type', storedVersions: 'atomic' },
  V1APIServiceStatus: { conditions: CONDITIONS },
};

// Struct types upstream marks `+structType=atomic`: apply owns them as one value (managedFields
// shows `"f:selector":{}` for a Deployment's spec.selector).
const ATOMIC_STRUCTS = new Set([
  'V1LabelSelector',
  'V1ObjectReference',
  'V1LocalObjectReference',
  'V1TypedLocalObjectReference',
  'V1ConfigMapKeySelector',
  'V1SecretKeySelector',
  'V1ObjectFieldSelector',
  'V1ResourceFieldSelector',
  'V1SecretReference',
  'V1NodeSelector',
  'V1NodeSelectorTerm',
  'V1TopologySelectorTerm',
  'V1ConfigMapEnvSource',
  'V1SecretEnvSource',
]);

function parse(spec: string): PatchMeta {
  const meta: PatchMeta = {};
  for (const part of spec.split('|')) {
    if (part === 'atomic' || part === 'set') meta.listType = part;
    else if (part === 'matomic') meta.mapType = 'atomic';
    else if (part === 'granular') meta.mapType = 'granular';
    else if (part.startsWith('map:')) {
      meta.listType = 'map';
      meta.listMapKeys = part.slice(4).split(',');
    } else {
      const [strategy, key] = part.split(':');
      meta.strategy = strategy as PatchStrategy;
      if (key) meta.mergeKey = key;
    }
  }
  return meta;
}

const parsed = new Map<string, PatchMeta>();
for (const [model, fields] of Object.entries(TABLE)) {
  for (const [f, spec] of Object.entries(fields)) parsed.set(`${model}.${f}`, Object.freeze(parse(spec)) as PatchMeta);
}

/** Patch/apply metadata of one field of a client-node model, or undefined when upstream marks nothing. */
export function patchMeta(model: string, wireField: string): PatchMeta | undefined {
  return parsed.get(`${model}.${wireField}`);
}

/** True when upstream marks the struct `+structType=atomic` (apply replaces and owns it whole). */
export function isAtomicStruct(model: string): boolean {
  return ATOMIC_STRUCTS.has(model);
}

/** Every (model, field) this table describes; used by OpenAPI rendering and tests. */
export function patchMetaEntries(): Array<{ model: string; field: string; meta: PatchMeta }> {
  return [...parsed.entries()].map(([k, meta]) => {
    const i = k.indexOf('.');
    return { model: k.slice(0, i), field: k.slice(i + 1), meta };
  });
}
