import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CATEGORIES } from '../../../src/domain/taxonomy.js';
import { withQuery } from '../api/client';
import type { Page } from '../api/types';
import { useApi } from '../api/use-api';
import { Num } from '../components/common';
import { Link } from '../router';
import { useAccount } from '../session';

/** One number from a list's total (limit=1: the server counts), linking to that list. */
function Count({ api, to, label }: { api: string; to: string; label: string }) {
  const { t } = useTranslation();
  const r = useApi<Page<unknown>>(api);
  return (
    <Link to={to} className="count-card">
      <span className="count-value">{r.data ? <Num value={r.data.total} /> : r.error ? '!' : '…'}</span>
      {r.data && !r.data.totalIsExact && <span className="muted">+</span>}
      <span className="count-label">{label}</span>
      {r.error && <span className="visually-hidden">{t('error.INTERNAL')}</span>}
    </Link>
  );
}

const ACTIVE = 'new,open,waiting';

export function DashboardScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  // A week back from when the dashboard was opened.
  const [weekAgo] = useState(() => new Date(Date.now() - 7 * 24 * 3600_000).toISOString());
  // The next SLA clock falls due within 24 hours of opening the dashboard (overdue included).
  const [dueBefore] = useState(() => new Date(Date.now() + 24 * 3600_000).toISOString());
  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('dashboard.heading')}</h1>
      </div>
      <section aria-labelledby="now-title">
        <h2 id="now-title" className="visually-hidden">
          {t('dashboard.now')}
        </h2>
        <div className="cards">
          <Count api="/api/reports?status=new&limit=1" to="/triage" label={t('dashboard.newReports')} />
          <Count
            api={withQuery('/api/incidents', { owner: me.email, status: ACTIVE, limit: 1 })}
            to={withQuery('/incidents', { owner: me.email, status: ACTIVE })}
            label={t('dashboard.myOpen')}
          />
          <Count api={withQuery('/api/incidents', { status: ACTIVE, limit: 1 })} to={withQuery('/incidents', { status: ACTIVE })} label={t('dashboard.allOpen')} />
          <Count api="/api/incidents?status=waiting&limit=1" to="/incidents?status=waiting" label={t('dashboard.waiting')} />
          <Count
            api={withQuery('/api/incidents', { slaDueBefore: dueBefore, limit: 1 })}
            to={withQuery('/incidents', { slaDueBefore: dueBefore, sort: 'slaDueAt', direction: 'asc' })}
            label={t('dashboard.dueSoon')}
          />
        </div>
      </section>
      <section aria-labelledby="week-title">
        <h2 id="week-title">{t('dashboard.thisWeek')}</h2>
        <div className="cards small">
          {CATEGORIES.map((c) => (
            <Count
              key={c}
              api={withQuery('/api/incidents', { category: c, createdFrom: weekAgo, limit: 1 })}
              to={withQuery('/incidents', { category: c, createdFrom: weekAgo })}
              label={t(`category.${c}`)}
            />
          ))}
        </div>
      </section>
    </main>
  );
}
