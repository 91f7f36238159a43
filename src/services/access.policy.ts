import type { AccessScope } from '../domain/access.js';
import type { Actor, Role, TokenScope } from '../domain/actor.js';
import { CAPABILITIES, rolesMay, type Capability } from '../domain/capabilities.js';
import { AppError } from '../domain/errors.js';
import { TLP_LABELS, type Tlp } from '../domain/tlp.js';

/**
 * The policy: one place that decides what an actor may see and do, for the
 * API, the CLI, search, exports and (later) outbound mail alike.
 *
 * Seeing (TLP 2.0, FIRST):
 * - lead, auditor: the team's incidents up to AMBER+STRICT, every constituency;
 * - handler: the same labels, within their constituencies (all when none are set);
 * - administrator: CLEAR and GREEN only — running the system is not a licence to read every case;
 * - partner: only incidents shared with their organisation, labelled CLEAR, GREEN or AMBER;
 * - anyone named on an incident's access list sees it, whatever its label: the only way to see RED.
 */
const TEAM_TLP: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT'];
const OPEN_TLP: Readonly<Record<Role, readonly Tlp[]>> = {
  lead: TEAM_TLP,
  auditor: TEAM_TLP,
  handler: TEAM_TLP,
  administrator: ['CLEAR', 'GREEN'],
  partner: [],
};
const PARTNER_SHARED_TLP: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER'];

export function accessScope(actor: Actor): AccessScope {
  if (actor.kind === 'system') return { kind: 'all' };
  const open = new Set<Tlp>(actor.roles.flatMap((r) => OPEN_TLP[r]));
  const isUnlimited = actor.roles.includes('lead') || actor.roles.includes('auditor');
  return {
    kind: 'rules',
    accountId: actor.id,
    openTlp: TLP_LABELS.filter((t) => open.has(t)),
    constituencies: isUnlimited || actor.constituencies.length === 0 ? null : actor.constituencies,
    sharedTlp: actor.roles.includes('partner') ? PARTNER_SHARED_TLP : [],
    organisationId: actor.organisationId,
    canSeeUntriaged: actor.roles.some((r) => r === 'lead' || r === 'handler' || r === 'auditor'),
  };
}

// What an actor may do (the writes; reading is governed by the scope above): the table is domain/capabilities.ts.
export { CAPABILITIES, type Capability } from '../domain/capabilities.js';

/** Which token scopes allow which capability ('read' allows none). */
const TOKEN_ALLOWS: Readonly<Record<TokenScope, readonly Capability[]>> = {
  read: ['directory.read', 'coordination.read', 'statistics.read', 'evidence.read', 'steering.read', 'intake.spool-counts'],
  write: Object.keys(CAPABILITIES) as Capability[],
  'report:submit': ['report.submit'],
  'directory:write': ['directory.read', 'directory.write'],
  admin: ['account.admin', 'audit.read', 'intake.spool', 'intake.spool-counts'],
};

export function can(actor: Actor, capability: Capability): boolean {
  if (actor.kind === 'system') return true;
  const byRole = rolesMay(actor.roles, capability);
  const byToken = actor.tokenScopes === undefined || actor.tokenScopes.some((s) => TOKEN_ALLOWS[s].includes(capability));
  return byRole && byToken;
}

export function assertCan(actor: Actor, capability: Capability): void {
  if (!can(actor, capability))
    throw new AppError('FORBIDDEN', `${actor.displayName} may not ${capability.replace('.', ' ')}`, { capability });
}
