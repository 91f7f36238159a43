import type { Role } from './actor.js';

/**
 * What each role may do — the writes; what an actor may see is the access
 * scope (services/access.policy.ts, which enforces both). Here, in the
 * domain, so the web app leaves out what the API would refuse.
 */
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

/** Whether any of these roles carries `capability` (tokens narrow it further: services/access.policy.ts `can`). */
export const rolesMay = (roles: readonly Role[], capability: Capability): boolean => roles.some((r) => (CAPABILITIES[capability] as readonly Role[]).includes(r));
