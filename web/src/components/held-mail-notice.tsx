import { useTranslation } from 'react-i18next';
import type { SpoolCounts } from '../../../src/domain/spooled-mail.js';
import { rolesMay } from '../../../src/domain/capabilities.js';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { useAccount } from '../session';

/**
 * The triage queue's notice of mail acknowledged to its sender and held (it
 * could not be recorded as a report): reports nobody would otherwise see.
 */
export function HeldMailNotice() {
  const { t } = useTranslation();
  const me = useAccount();
  const counts = useApi<SpoolCounts>(rolesMay(me.roles, 'intake.spool-counts') ? '/api/intake/spool' : null);
  const held = counts.data?.held ?? 0;
  if (held === 0) return null;
  return (
    <p className="notice" role="status">
      {t('spool.heldNotice', { count: held })} {rolesMay(me.roles, 'intake.spool') ? <Link to="/intake-spool">{t('spool.see')}</Link> : t('spool.askOperator')}
    </p>
  );
}
