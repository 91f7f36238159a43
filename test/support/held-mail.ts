import { newId } from '../../src/domain/ids.js';
import type { HeldReason } from '../../src/domain/spooled-mail.js';
import type { Store } from '../../src/store/store.js';

/**
 * A mail acknowledged and held in the spool with `reason` (`code`), as the drainer
 * holds one that can never be a report; its spool id. In one transaction, so
 * a running drainer never sees it due.
 */
export async function holdMail(store: Store, at: Date, raw: Buffer, reason: string, code: HeldReason = 'refused'): Promise<string> {
  const id = newId();
  const envelope = JSON.stringify({ mailFrom: 'odd@example.jp', rcptTo: ['report@renkei.example'], remoteAddress: '192.0.2.25' });
  await store.transaction(async (tx) => {
    await tx.mailSpool.addMany([{ id, receivedAt: at.toISOString(), envelope, route: null, raw }]);
    await tx.mailSpool.postpone(id, { nextAttemptAt: at.toISOString(), error: reason, hold: code });
  });
  return id;
}
