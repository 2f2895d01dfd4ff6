// Review resources that are computed, never stored: SelfSubjectAccessReview (`kubectl auth can-i`),
// SelfSubjectRulesReview (`can-i --list`), SubjectAccessReview, SelfSubjectReview (`auth whoami`),
// TokenReview. Until RBAC lands (roadmap: Security), every authenticated user may do everything,
// and the reviews say exactly that.
import type { KObject, ResourceType } from '../registry/resource-type.js';

const ALLOW_REASON = 'kubeshim: every authenticated user is allowed (RBAC not enabled)';

function review(group: string, version: string, kind: string, plural: string, namespaced: boolean, model: string, compute: ResourceType['virtualCreate']): ResourceType {
  return { group, version, kind, plural, singular: plural.replace(/s$/, ''), namespaced, model, verbs: ['create'], hasGeneration: false, virtualCreate: compute };
}

function userInfo(u: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }) {
  const out: Record<string, unknown> = { username: u.username, groups: u.groups };
  if (u.uid) out.uid = u.uid;
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

function withStatus(obj: KObject, status: Record<string, unknown>): KObject {
  return { ...obj, metadata: { ...obj.metadata, creationTimestamp: undefined }, status };
}

export function reviewResources(): ResourceType[] {
  return [
    review('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, 'V1SelfSubjectAccessReview', (o) => withStatus(o, { allowed: true, reason: ALLOW_REASON })),
    review('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', false, 'V1SubjectAccessReview', (o) => withStatus(o, { allowed: true, reason: ALLOW_REASON })),
    review('authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, 'V1LocalSubjectAccessReview', (o) => withStatus(o, { allowed: true, reason: ALLOW_REASON })),
    review('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, 'V1SelfSubjectRulesReview', (o) =>
      withStatus(o, {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      }),
    ),
    review('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', false, 'V1SelfSubjectReview', (o, user) => withStatus(o, { userInfo: userInfo(user) })),
  ];
}
