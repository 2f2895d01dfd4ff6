import { strict as assert } from 'node:assert';
import { clusterrolebindings } from '../../../lib/registry/clusterrolebinding.js';
import { clusterroles } from '../../../lib/registry/clusterrole.js';
import { rolebindings } from '../../../lib/registry/rolebinding.js';
import { roles } from '../../../lib/registry/role.js';
import { columns, create, row, update } from '../strategy.js';

const podReader = {
  metadata: { name: 'pod-reader' },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }],
};

const readPods = {
  metadata: { name: 'read-pods' },
  subjects: [
    { kind: 'User', name: 'jane' },
    { kind: 'Group', name: 'devs' },
    { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
  ],
  roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
};

describe('Role and ClusterRole', () => {
  it('validate the documentation examples clean', () => {
    assert.deepEqual(create(roles, podReader).errors, []);
    assert.deepEqual(create(clusterroles, { metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }).errors, []);
    assert.deepEqual(create(clusterroles, { metadata: { name: 'health' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] }).errors, []);
  });

  it('require verbs, api groups and resources in each rule', () => {
    const { errors } = create(roles, { metadata: { name: 'r' }, rules: [{}] });
    assert.deepEqual(errors, [
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
  });

  it('keep non-resource URLs out of namespaced roles', () => {
    const { errors } = create(roles, { metadata: { name: 'r' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] });
    assert.deepEqual(errors, ['rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs']);
  });

  it('require selectors in an aggregation rule', () => {
    const { errors } = create(clusterroles, { metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [] }, rules: [] });
    assert.deepEqual(errors, ['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil']);
  });

  it('print Name and Created At, as the apiserver default table', () => {
    const { obj } = create(clusterroles, podReader);
    assert.deepEqual(columns(clusterroles), ['Name', 'Created At']);
    assert.deepEqual(row(roles, obj), ['pod-reader', '2024-05-01T11:00:00Z']);
    assert.equal(roles.table!.columns[1].type, 'date');
  });

  it('are created by PUT, as upstream allows for RBAC', () => {
    assert.ok(roles.allowCreateOnUpdate && clusterroles.allowCreateOnUpdate && rolebindings.allowCreateOnUpdate && clusterrolebindings.allowCreateOnUpdate);
  });
});

describe('RoleBinding and ClusterRoleBinding', () => {
  it('default the apiGroup of roleRef and of user and group subjects', () => {
    const { obj, errors } = create(rolebindings, { metadata: { name: 'b' }, subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'default' }], roleRef: { kind: 'ClusterRole', name: 'view' } });
    assert.deepEqual(errors, []);
    assert.equal(obj.roleRef.apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(obj.subjects[0].apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(obj.subjects[1].apiGroup, undefined);
  });

  it('validate the roleRef kind and subjects', () => {
    assert.deepEqual(create(rolebindings, { ...readPods, roleRef: { ...readPods.roleRef, kind: 'Pod' } }).errors, ['roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"']);
    assert.deepEqual(create(clusterrolebindings, { ...readPods, metadata: { name: 'c' } }).errors, ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']);
    const sa = create(clusterrolebindings, { metadata: { name: 'c' }, subjects: [{ kind: 'ServiceAccount', name: 'x' }], roleRef: { kind: 'ClusterRole', name: 'view' } });
    assert.deepEqual(sa.errors, ['subjects[0].namespace: Required value']);
    const bad = create(rolebindings, { ...readPods, subjects: [{ kind: 'Robot', name: 'r2' }] });
    assert.deepEqual(bad.errors, ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']);
  });

  it('cannot change roleRef', () => {
    const { obj: old } = create(rolebindings, readPods);
    const { errors } = update(rolebindings, old, { ...readPods, roleRef: { ...readPods.roleRef, kind: 'ClusterRole', name: 'view' } });
    assert.deepEqual(errors, ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef']);
  });

  it('print the role and, wide, users, groups and service accounts', () => {
    const { obj } = create(rolebindings, readPods);
    assert.deepEqual(columns(rolebindings), ['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
    assert.deepEqual(row(rolebindings, obj), ['read-pods', 'Role/pod-reader', '60m', 'jane', 'devs', 'ci/builder']);
  });
});
