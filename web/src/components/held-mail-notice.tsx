import { useTranslation } from 'react-i18next';
import type { Role } from '../../../src/domain/actor.js';
import type { SpoolCounts } from '../../../src/domain/spooled-mail.js';
import { CAPABILITIES, type Capability } from '../../../src/domain/capabilities.js';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { useAccount } from '../session';

/** Whether these roles carry a capability of the access policy (the API decides; the screens only leave out what it would refuse). */
export const may = (roles: readonly Role[], capability: Capability): boolean => roles.some((r) => (CAPABILITIES[capability] as readonly Role[]).includes(r));

/**
 * The triage queue's notice of mail acknowledged to its sender and held (it
 * could not be recorded as a report): reports nobody would otherwise see.
 */
export function HeldMailNotice() {
  const { t } = useTranslation();
  const me = useAccount();
  const counts = useApi<SpoolCounts>(may(me.roles, 'intake.spool-counts') ? '/api/intake/spool' : null);
  const held = counts.data?.held ?? 0;
  if (held === 0) return null;
  return (
    <p className="notice" role="status">
      {t('spool.heldNotice', { count: held })} {may(me.roles, 'intake.spool') ? <Link to="/intake-spool">{t('spool.see')}</Link> : t('spool.askOperator')}
    </p>
  );
}
