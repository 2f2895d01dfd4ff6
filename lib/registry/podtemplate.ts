// core/v1 PodTemplate: pkg/registry/core/podtemplate/strategy.go (generation tracks template
// changes), ValidatePodTemplate and printPodTemplate (no Age column upstream).
import type { FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { containerImages, containerNames, defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { formatLabels, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function validate(pt: KObject): FieldError[] {
  return [...validateObjectMeta(pt.metadata, { namespaced: true }), ...validatePodTemplateSpec(pt.template, 'template')];
}

export const podTemplate: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  model: 'V1PodTemplate',
  hasGeneration: true,
  defaults: (pt) => defaultPodTemplateSpec(pt.template),
  validate,
  validateUpdate: (pt, old) => [...validateObjectMetaUpdate(pt.metadata, old.metadata), ...validatePodTemplateSpec(pt.template, 'template')],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Containers', type: 'string', description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.' },
      { name: 'Pod Labels', type: 'string', description: 'The labels for the pod template.' },
    ],
    row: (pt) => [pt.metadata.name, containerNames(pt.template?.spec), containerImages(pt.template?.spec), formatLabels(pt.template?.metadata?.labels)],
  },
};
