import { useTranslation } from 'react-i18next';
import type { SpoolCounts } from '../../../src/domain/spooled-mail.js';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { useAccount } from '../session';

/** Who looks after the mail spool (capability intake.spool). */
export const isSpoolOperator = (roles: readonly string[]): boolean => roles.includes('lead') || roles.includes('administrator');

/**
 * The triage queue's notice of mail acknowledged to its sender and held (it
 * could not be recorded as a report): reports nobody would otherwise see.
 */
export function HeldMailNotice() {
  const { t } = useTranslation();
  const me = useAccount();
  const counts = useApi<SpoolCounts>(me.roles.some((r) => r === 'lead' || r === 'handler' || r === 'administrator') ? '/api/intake/spool' : null);
  const held = counts.data?.held ?? 0;
  if (held === 0) return null;
  return (
    <p className="notice" role="status">
      {t('spool.heldNotice', { count: held })} {isSpoolOperator(me.roles) ? <Link to="/intake-spool">{t('spool.see')}</Link> : t('spool.askOperator')}
    </p>
  );
}
