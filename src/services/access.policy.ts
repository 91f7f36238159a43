import type { AccessScope } from '../domain/access.js';
import type { Actor, Role, TokenScope } from '../domain/actor.js';
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

/** What an actor may do. Reading is governed by the scope above; these are the writes. */
export const CAPABILITIES = {
  /** Submit a report (intake through the API). */
  'report.submit': ['lead', 'handler', 'partner'],
  /** Triage: create incidents from reports, attach, reject. */
  'report.triage': ['lead', 'handler'],
  'incident.write': ['lead', 'handler'],
  /** Name the decision owner, record the decided scope, put evidence under legal hold. */
  'incident.decide': ['lead'],
  /** See an incident's coordination with outside parties (who was written to, and their answers). The team's staff only. */
  'coordination.read': ['administrator', 'lead', 'handler', 'auditor'],
  /** Write to outside parties about an incident (coordination, reporter updates). */
  'coordination.send': ['lead', 'handler'],
  /** Read playbooks, escalation rules, incidents' tasks and rule firings: the team's own working. Staff only. */
  'steering.read': ['administrator', 'lead', 'handler', 'auditor'],
  /** Edit the playbooks (a new version each time). */
  'playbook.write': ['lead'],
  /** Write escalation rules. */
  'rule.write': ['lead'],
  /** Edit the message templates. */
  'template.write': ['lead'],
  /** Manage an incident's access list and sharing. */
  'incident.share': ['lead'],
  /** The directory: organisations, contacts, owned resources, owner lookups. The team's staff only. */
  'directory.read': ['administrator', 'lead', 'handler', 'auditor'],
  'directory.write': ['administrator', 'lead', 'handler'],
  'account.admin': ['administrator'],
  'audit.read': ['administrator', 'auditor'],
  /** An incident's evidence: the items, their chain of custody and their bytes (malware, victims' data). The team's case workers and auditors. */
  'evidence.read': ['lead', 'handler', 'auditor'],
  /** Add evidence, record hand-overs, export an incident's evidence. */
  'evidence.handle': ['lead', 'handler'],
  /**
   * The mail spool's troubled mails (held for an operator, or waiting to be tried again): who sent them, why they
   * are not reports yet; try a held one again. Running the system, as the CLI's `renkei spool` does.
   */
  'intake.spool': ['administrator', 'lead'],
  /** How many mails are waiting or held (no sender, no content): whoever triages sees the notice. */
  'intake.spool-counts': ['administrator', 'lead', 'handler'],
  /** A troubled mail's bytes: its content, unclassified (it is not a report yet), so not the administrators'. */
  'intake.spool-raw': ['lead'],
  /** The team's statistics (counts only, over every incident whatever its label): its staff, not partners. */
  'statistics.read': ['administrator', 'lead', 'handler', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
export type Capability = keyof typeof CAPABILITIES;

/** Which token scopes allow which capability ('read' allows none). */
const TOKEN_ALLOWS: Readonly<Record<TokenScope, readonly Capability[]>> = {
  read: ['directory.read', 'coordination.read', 'statistics.read', 'evidence.read', 'steering.read'],
  write: Object.keys(CAPABILITIES) as Capability[],
  'report:submit': ['report.submit'],
  'directory:write': ['directory.read', 'directory.write'],
  admin: ['account.admin', 'audit.read', 'intake.spool'],
};

export function can(actor: Actor, capability: Capability): boolean {
  if (actor.kind === 'system') return true;
  const byRole = actor.roles.some((r) => (CAPABILITIES[capability] as readonly Role[]).includes(r));
  const byToken = actor.tokenScopes === undefined || actor.tokenScopes.some((s) => TOKEN_ALLOWS[s].includes(capability));
  return byRole && byToken;
}

export function assertCan(actor: Actor, capability: Capability): void {
  if (!can(actor, capability))
    throw new AppError('FORBIDDEN', `${actor.displayName} may not ${capability.replace('.', ' ')}`, { capability });
}
