import type { AccessScope } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';

/**
 * The policy: what an actor may see and do. Until accounts and roles land
 * (issue 3), every staff role sees everything; a partner sees nothing of the
 * team's incidents. The store applies the scope in one place
 * (store/access-filter.ts), so narrowing it later is a change here and there.
 */
export function accessScope(actor: Actor): AccessScope {
  const isStaff = actor.roles.some((r) => r === 'administrator' || r === 'lead' || r === 'handler' || r === 'auditor');
  return isStaff ? { kind: 'all' } : { kind: 'none' };
}

export type Capability = 'report.write' | 'incident.write' | 'directory.write';

export function assertCan(actor: Actor, capability: Capability): void {
  const canWrite = actor.roles.some((r) => r === 'administrator' || r === 'lead' || r === 'handler');
  if (!canWrite) throw new AppError('FORBIDDEN', `${actor.displayName} may not do ${capability}`);
}
