import type { ColumnType, Generated } from 'kysely';

/**
 * Table types shared by both databases. Timestamps are ISO-8601 UTC strings
 * with milliseconds (`2026-11-25T20:06:43.123Z`) on both, so they sort and
 * compare the same everywhere; booleans are 0/1 integers.
 */
export interface DB {
  incident_counter: { prefix: string; year: number; last: number };
  report: ReportTable;
  report_raw: { report_id: string; content: Buffer };
  report_candidate: { report_id: string; incident_id: string; shared: number; created_at: string };
  incident: IncidentTable;
  incident_organisation: { incident_id: string; organisation_id: string };
  timeline_entry: TimelineTable;
  observable: ObservableTable;
  report_observable: { report_id: string; observable_id: string };
  incident_observable: { incident_id: string; observable_id: string; is_manual: number };
  organisation: OrganisationTable;
  contact: ContactTable;
  org_resource: OrgResourceTable;
  search_doc: SearchDocTable;
  directory_version: { id: number; version: number };
  account: AccountTable;
  session: SessionTable;
  api_token: ApiTokenTable;
  recovery_code: { account_id: string; code_hash: string; used_at: string | null };
  incident_access: { incident_id: string; account_id: string };
  /**
   * `created_at`, `tlp` and `merged_into` are copies of the incident's (kept equal by a trigger), so that a partner's
   * list walks their shares in order and counts them on one index (migration 0012).
   */
  incident_share: { incident_id: string; organisation_id: string; created_at: string; tlp: string; merged_into: string | null };
  throttle: { key: string; window_start: string; count: number };
  audit_event: AuditEventTable;
  audit_head: { id: number; position: number; hash: string };
  /** One row per distinct content; `content`: the bytes of content up to 64 KiB (migration 0015), else null and the bytes are a file. */
  evidence: { sha256: string; sha1: string; md5: string; size: number; first_seen_at: string; content: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null> };
  /** Inbound mail acknowledged and not yet recorded as a report (migration 0016; see services/mail-spool.service.ts). */
  mail_spool: {
    id: string;
    received_at: string;
    /** JSON: the SMTP envelope. */
    envelope: string;
    /** JSON: the report address taken, or null. */
    route: string | null;
    size: number;
    attempts: ColumnType<number, number | undefined, number>;
    next_attempt_at: string;
    last_error: string | null;
    held: ColumnType<number, number | undefined, number>;
    /** Why it is held (domain/spooled-mail.ts HeldReason), or null when it is not. */
    held_reason: string | null;
  };
  /** A spooled mail's bytes, apart from its row so that claiming an attempt does not write them again (migration 0018). */
  mail_spool_raw: { id: string; raw: Buffer };
  report_attachment: {
    id: string;
    report_id: string;
    sha256: string;
    filename: string | null;
    mime_type: string;
    size: number;
    /** attachment | inline | forwarded-message | html-body */
    kind: string;
    note: string | null;
  };
  job: JobTable;
  coordination: CoordinationTable;
  outbound_mail: OutboundMailTable;
  coordination_reply: { coordination_id: string; report_id: string; matched_by: string; at: string };
  message_template: { kind: string; language: string; version: number; subject: string; body: string; updated_by: string; updated_at: string };
  registry_source: { source: string; format: string; file: string; ranges: number; imported_at: string; imported_by: string };
  registry_range: RegistryRangeTable;
  registry_version: { id: number; version: number };
  takedown: TakedownTable;
  playbook: { category: string; version: number; definition: string; updated_by: string; updated_at: string };
  task: TaskTable;
  escalation_rule: EscalationRuleTable;
  rule_version: { id: number; version: number };
  rule_firing: { rule_id: string; incident_id: string; cause: string; rule_version: number; fired_at: string; actions: string };
  decision_gate: DecisionGateTable;
  liveness_check: { id: string; takedown_id: string; at: string; verdict: string; outcomes: string };
  password_reset: { token_hash: string; account_id: string; created_at: string; expires_at: string; used_at: string | null };
  evidence_item: EvidenceItemTable;
  custody_event: CustodyEventTable;
}

/** One piece of evidence as it entered Renkei (migration 0009); its bytes are the evidence file `sha256`, or the report's raw original. */
export interface EvidenceItemTable {
  id: string;
  incident_id: string | null;
  report_id: string | null;
  sha256: string;
  filename: string | null;
  mime_type: string;
  size: number;
  /** report-attachment | raw-original | upload | liveness-capture | export */
  kind: string;
  collected_by: string;
  collected_at: string;
  collected_from: string;
  /** 0/1; null: not assessed yet (items from before 0009, assessed at their first read). */
  is_dangerous: number | null;
  dangerous_reason: string | null;
  note: string | null;
  integrity_failed_at: string | null;
  removed_at: string | null;
  removed_by: string | null;
  removed_reason: string | null;
}

/** The chain of custody of an evidence item. Append-only (the database refuses updates and deletes). */
export interface CustodyEventTable {
  seq: Generated<number>;
  id: string;
  evidence_item_id: string;
  at: string;
  actor: string;
  /** collected | viewed | downloaded | exported | handed-over | integrity-failed | integrity-restored | removed */
  action: string;
  /** JSON. */
  detail: string;
}

export interface RegistryRangeTable {
  id: Generated<number>;
  source: string;
  family: number;
  first_hex: string;
  last_hex: string;
  netname: string | null;
  org_name: string | null;
  country: string | null;
  abuse_email: string | null;
  registry: string | null;
}

export interface TakedownTable {
  id: string;
  incident_id: string;
  url: string;
  /** reported | requested | acknowledged | down | relapsed */
  state: string;
  reported_at: string;
  requested_at: string | null;
  acknowledged_at: string | null;
  down_since: string | null;
  verified_at: string | null;
  relapsed_at: string | null;
  last_verdict: string | null;
  last_check_at: string | null;
  created_by: string;
}

export interface JobTable {
  id: string;
  kind: string;
  /** JSON. */
  payload: string;
  /** queued | running | done | dead */
  state: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_until: string | null;
  locked_by: string | null;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface CoordinationTable {
  id: string;
  incident_id: string;
  sequence: number;
  purpose: string;
  state: string;
  organisation_id: string | null;
  contact_email: string;
  contact_name: string | null;
  language: string;
  tlp: string;
  defang: number;
  /** 1: encrypt to the contact's key (it has one); 0: send signed only. */
  encrypt: number;
  subject: string;
  body: string;
  /** JSON array of SHA-256. */
  evidence: string;
  reminder_after_hours: number | null;
  follow_ups_sent: number;
  last_sent_at: string | null;
  last_reply_at: string | null;
  next_reminder_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface OutboundMailTable {
  id: string;
  /** coordination | follow-up | acknowledgement | password-reset */
  kind: string;
  coordination_id: string | null;
  incident_id: string | null;
  message_id: string;
  envelope_from: string;
  /** JSON array of addresses. */
  envelope_to: string;
  subject: string;
  /** The message as handed to the relay; null once sent when it carried a secret (reset links). */
  raw: Buffer | null;
  raw_size: number;
  is_signed: number;
  is_encrypted: number;
  /** queued | sent | failed */
  state: string;
  attempts: number;
  last_error: string | null;
  relay_response: string | null;
  created_at: string;
  created_by: string;
  sent_at: string | null;
}

export interface AccountTable {
  id: string;
  email: string;
  display_name: string;
  language: string;
  /** JSON array of roles. */
  roles: string;
  /** JSON array of constituency keys; empty = all. */
  constituencies: string;
  organisation_id: string | null;
  password_hash: string | null;
  password_changed_at: string | null;
  totp_secret: string | null;
  totp_enabled_at: string | null;
  totp_last_step: number | null;
  is_disabled: number;
  created_at: string;
  updated_at: string;
}

export interface SessionTable {
  id: string;
  token_hash: string;
  account_id: string;
  csrf_token: string;
  is_mfa_passed: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokenTable {
  id: string;
  account_id: string;
  name: string;
  token_hash: string;
  /** JSON array of scopes. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuditEventTable {
  seq: Generated<number>;
  position: number;
  id: string;
  at: string;
  actor: string;
  ip: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface ReportTable {
  id: string;
  channel: string;
  source_ref: string;
  sender: string | null;
  sender_name: string | null;
  subject: string | null;
  body: string;
  language: string | null;
  received_at: string;
  created_at: string;
  created_by: string;
  status: string;
  reject_reason: string | null;
  reject_note: string | null;
  duplicate_of: string | null;
  incident_id: string | null;
  tlp: string;
  meta: string;
  raw_sha256: string | null;
  raw_size: number | null;
  /** ISO 3166-1 alpha-2 of the reporter, set at intake (0010-report-origin); null: unknown. */
  reporter_country: string | null;
  /** The report this one answers, threaded before triage (0020-report-reply-to); null otherwise. */
  reply_to: string | null;
}

export interface IncidentTable {
  id: string;
  number: string;
  title: string;
  summary: string | null;
  category: string;
  severity: string;
  priority: string;
  tlp: string;
  status: string;
  constituency: string | null;
  owner: string | null;
  occurred_at: string | null;
  detected_at: string | null;
  reported_at: string | null;
  vector: string | null;
  impact: string | null;
  affected_assets: string | null;
  threat_actor: string | null;
  motive: string | null;
  merged_into: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  resolved_at: string | null;
  closed_at: string | null;
  version: number;
  decision_owner: string | null;
  decided_scope: string | null;
  /** 0/1 */
  exercise: number;
  /** 0/1 */
  legal_hold: number;
  brand_name: string | null;
  brand_sector: string | null;
  brand_origin: string | null;
  sla_due_at: string | null;
}

export interface TimelineTable {
  seq: Generated<number>;
  id: string;
  incident_id: string | null;
  report_id: string | null;
  at: string;
  actor: string;
  action: string;
  changes: string;
  note: string | null;
}

export interface ObservableTable {
  id: string;
  type: string;
  value: string;
  is_private: number;
  first_seen_at: string;
  last_seen_at: string;
}

export interface OrganisationTable {
  id: string;
  name: string;
  name_key: string;
  kind: string;
  country: string | null;
  trust_level: string;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContactTable {
  id: string;
  organisation_id: string;
  name: string | null;
  email: string;
  phone: string | null;
  role: string;
  language: string;
  timezone: string;
  office_hours: string | null;
  pgp_fingerprint: string | null;
  pgp_key: string | null;
  created_at: string;
}

export interface OrgResourceTable {
  id: string;
  organisation_id: string;
  kind: string;
  value: string;
  created_at: string;
}

export interface SearchDocTable {
  id: Generated<number>;
  kind: string;
  ref_id: string;
}

export interface TaskTable {
  id: string;
  incident_id: string;
  phase: string;
  /** JSON {ja?, en?} */
  title: string;
  /** JSON {ja?, en?} */
  description: string | null;
  task_key: string | null;
  /** `category@version` of the playbook it came from */
  playbook: string | null;
  mandatory: number;
  assignee: string | null;
  due_at: string | null;
  state: string;
  reason: string | null;
  done_at: string | null;
  done_by: string | null;
  position: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  version: number;
}

export interface EscalationRuleTable {
  id: string;
  name: string;
  version: number;
  /** JSON of RuleDefinition */
  definition: string;
  enabled: number;
  created_at: string;
  updated_by: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface DecisionGateTable {
  incident_id: string;
  before_action: string;
  rule_id: string | null;
  required_at: string;
  decided_by: string | null;
  decided_at: string | null;
  /** approved | refused */
  decision: string | null;
  note: string | null;
}
