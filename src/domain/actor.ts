/**
 * Who is acting. Every use case takes one from its first line. Accounts and
 * roles (issue 3) fill in `roles`; until then the API and CLI act as the
 * local operator.
 */
export const ROLES = ['administrator', 'lead', 'handler', 'auditor', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  kind: 'user' | 'system';
  /** Stable id written to the timeline (an account id, or `system:intake`). */
  id: string;
  displayName: string;
  roles: readonly Role[];
  constituencies?: readonly string[];
  organisationId?: string | null;
}

export const systemActor = (name: string): Actor => ({
  kind: 'system',
  id: `system:${name}`,
  displayName: name,
  roles: ['administrator', 'lead'],
});
