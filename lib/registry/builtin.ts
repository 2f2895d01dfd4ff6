// Every built-in resource kubeshim serves, in discovery order.
import { coreResources } from './core-resources.js';
import { groupResources } from './group-resources.js';
import type { ResourceType } from './resource-type.js';

export function builtinResources(): ResourceType[] {
  return [...coreResources, ...groupResources];
}
