// The core/v1 resources served by kubeshim, one strategy file each.
import type { ResourceType } from './resource-type.js';

export const coreResources: ResourceType[] = [];
