import type { Language } from './organisation.schema.js';

/**
 * Who is acting. Every use case takes one from its first line; the policy
 * (services/access.policy.ts) decides from it what may be seen and done.
 */
export const ROLES = ['administrator', 'lead', 'handler', 'auditor', 'partner'] as const;
export type Role = (typeof ROLES)[number];

/** Roles of the team's own staff (everyone but partners). */
export const STAFF_ROLES: readonly Role[] = ['administrator', 'lead', 'handler', 'auditor'];

/** What an API token may do: read everything the account may read, also write, or one capability. */
export const TOKEN_SCOPES = ['read', 'write', 'report:submit', 'directory:write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface Actor {
  kind: 'user' | 'system';
  /** Stable id written to the timeline and audit log (an account id, or `system:intake`). */
  id: string;
  displayName: string;
  roles: readonly Role[];
  /** Constituencies a handler is limited to; empty = all. */
  constituencies: readonly string[];
  /** A partner's organisation (what was shared with it is what they see); null for the team's staff. */
  organisationId: string | null;
  language?: Language;
  /** Present when acting through an API token: the most it may do. */
  tokenScopes?: readonly TokenScope[];
  /** Where the request came from, for the audit log. */
  ip?: string | null;
}

export const systemActor = (name: string): Actor => ({
  kind: 'system',
  id: `system:${name}`,
  displayName: name,
  roles: ['lead', 'handler'],
  constituencies: [],
  organisationId: null,
});

export const isStaff = (actor: Actor): boolean => actor.roles.some((r) => STAFF_ROLES.includes(r));
