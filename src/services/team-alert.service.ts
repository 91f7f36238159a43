import { systemActor } from '../domain/actor.js';
import type { Store } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { enqueueMail, prepareMail } from './outbound-mail.service.js';

/** Renkei's alerting: the mail it queues, and what it records of it. */
export const ALERT_ACTOR = systemActor('alert');

/** Who an alert goes to: the team's active leads, the on-call address (RENKEI_ONCALL_EMAIL, else the leads), or one address. */
export async function alertRecipients(deps: ServiceDeps, tx: Store, who: string): Promise<string[]> {
  const leads = async () => (await tx.accounts.list()).filter((a) => a.roles.includes('lead') && !a.isDisabled).map((a) => a.email);
  if (who === 'leads') return leads();
  if (who === 'on-call') return deps.settings.team.oncallEmail ? [deps.settings.team.oncallEmail] : leads();
  return [who];
}

/**
 * Mail the team about something that needs a person now (a rule that fired,
 * evidence that failed its integrity check): written in Japanese and English
 * in one message, queued in the caller's transaction so it goes exactly when
 * the cause is committed. Returns the addresses, empty when nobody is there.
 */
export async function alertTeam(
  deps: ServiceDeps,
  tx: Store,
  alert: { who: string; subject: string; lines: { ja: string[]; en: string[] }; incidentId?: string | null; exercise?: boolean },
): Promise<string[]> {
  const to = await alertRecipients(deps, tx, alert.who);
  if (to.length === 0) return [];
  const prepared = await prepareMail(deps, {
    kind: 'notice',
    incidentId: alert.incidentId ?? null,
    exercise: alert.exercise ?? false,
    to: to.map((address) => ({ name: null, address })),
    subject: alert.subject,
    text: [...alert.lines.ja, '', '---', '', ...alert.lines.en].join('\n'),
    language: 'ja',
  });
  await enqueueMail(deps, tx, ALERT_ACTOR, prepared, deps.clock().toISOString());
  return to;
}
