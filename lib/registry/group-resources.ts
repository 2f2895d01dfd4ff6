// Resources of the named API groups (apps, batch, autoscaling, policy, …), one strategy file each.
import type { ResourceType } from './resource-type.js';

export const groupResources: ResourceType[] = [];
