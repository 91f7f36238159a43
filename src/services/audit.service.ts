import { z } from 'zod';
import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { verifyChain, type AuditEvent, type AuditEventView } from '../domain/audit.js';
import { instant } from '../domain/text.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { parseInput } from './validate.js';

/** Record one audit event inside the caller's transaction, so it commits with what it records. */
export async function audit(
  tx: Store,
  actor: Actor | { id: string; ip?: string | null },
  action: string,
  target?: { type: string; id: string } | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await auditEach(tx, actor, action, [target ?? null], details);
}

/** One audit event for each target (a bulk action on many reports), appended at once. */
export async function auditEach(
  tx: Store,
  actor: Actor | { id: string; ip?: string | null },
  action: string,
  targets: ({ type: string; id: string } | null)[],
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.audit.append(targets.map((t) => ({ actor: actor.id, ip: actor.ip ?? null, action, targetType: t?.type ?? null, targetId: t?.id ?? null, details })));
}

export const AuditQuerySchema = z.strictObject({
  actor: z.string().max(320).optional().describe("an actor id (an account's, or system:…), or an account's e-mail address"),
  action: z.string().max(100).optional(),
  targetId: z.string().max(100).optional(),
  from: instant().optional(),
  to: instant().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Auditors and administrators search the log; nobody edits it through Renkei. */
export async function searchAudit(deps: ServiceDeps, actor: Actor, input: unknown): Promise<PageResult<AuditEventView>> {
  assertCan(actor, 'audit.read');
  const { limit, offset, ...filter } = parseInput(AuditQuerySchema, input);
  const page: Page = { limit, offset };
  return deps.store.audit.list(filter, page);
}

export type AuditVerification =
  | { ok: true; events: number; head: string }
  | { ok: false; events: number; position: number; problem: 'hash' | 'link' | 'gap' | 'head' };

/**
 * Walk the chain from the first event: the first broken link, if any. A row
 * edited breaks its own hash; a row deleted leaves a gap; the newest rows
 * deleted no longer reach the stored head.
 */
export async function verifyAudit(deps: ServiceDeps, actor: Actor): Promise<AuditVerification> {
  assertCan(actor, 'audit.read');
  const head = await deps.store.audit.head();
  const events: AuditEvent[] = [];
  let result: ReturnType<typeof verifyChain> | undefined;
  let checked = 0;
  let start = { hash: undefined as string | undefined, position: 0 };
  // Verify in slices so a long log is not held in memory.
  for await (const e of deps.store.audit.walk()) {
    events.push(e);
    if (events.length === 5000) {
      result = verifyChain(events, start.hash, start.position);
      if (!result.ok) return { ok: false, events: checked + result.checked, position: result.position, problem: result.problem };
      checked += result.checked;
      start = { hash: result.lastHash, position: result.lastPosition };
      events.length = 0;
    }
  }
  result = verifyChain(events, start.hash, start.position);
  if (!result.ok) return { ok: false, events: checked + result.checked, position: result.position, problem: result.problem };
  checked += result.checked;
  if (result.lastPosition !== head.position || result.lastHash !== head.hash)
    return { ok: false, events: checked, position: result.lastPosition + 1, problem: 'head' };
  return { ok: true, events: checked, head: head.hash };
}
