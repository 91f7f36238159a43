import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SLA_CLOCKS } from '../../../src/domain/sla.js';
import { api } from '../api/client';
import type { IncidentDecisions } from '../api/types';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { useAccount } from '../session';
import { ActorName } from './actor-name';
import { DateTime, ErrorNote, Field, Loading } from './common';
import './steering.css';

type Decision = IncidentDecisions['decisions'][number];

/** Who did it, as the timeline says it: a person's name when the API gives it (or it is the reader), Renkei's own actors by what they are. */
export function Who({ id, name }: { id: string | null; name?: string | null }) {
  return <ActorName id={id} name={name} />;
}

/**
 * Why a rule fired, in words: `match`, `watchlist:<value>`, `sla:<clock>:<state>`,
 * each optionally followed by `|reports>=<n>` (rules.service ruleCause).
 */
export function Cause({ cause }: { cause: string }) {
  const { t } = useTranslation();
  const [head = '', ...rest] = cause.split('|');
  const parts: ReactNode[] = [];
  if (head === 'match') parts.push(t('decisions.cause.match'));
  else if (head.startsWith('watchlist:'))
    parts.push(
      <span key="w">
        {t('decisions.cause.watchlist')} <code translate="no">{head.slice('watchlist:'.length)}</code>
      </span>,
    );
  else if (head.startsWith('sla:')) {
    const [, clock = '', state = ''] = head.split(':');
    const clockName = (SLA_CLOCKS as readonly string[]).includes(clock) ? t(`slaClock.${clock}`) : clock;
    parts.push(state === 'breached' ? t('decisions.cause.slaBreached', { clock: clockName }) : t('decisions.cause.slaDueSoon', { clock: clockName }));
  } else parts.push(<code key="raw" translate="no">{head}</code>);
  for (const r of rest) {
    const m = /^reports>=(\d+)$/.exec(r);
    parts.push(m ? t('decisions.cause.reports', { count: Number(m[1]) }) : <code key={r} translate="no">{r}</code>);
  }
  return (
    <>
      {parts.map((p, i) => (
        <span key={i}>
          {i > 0 && t('decisions.cause.and')}
          {p}
        </span>
      ))}
    </>
  );
}

/** What escalation rules asked of leads on this incident (approve or refuse, with a note) and every rule that fired. */
export function DecisionPanel({ incidentId, onChanged }: { incidentId: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const me = useAccount();
  const isLead = me.roles.includes('lead');
  const path = `/api/incidents/${encodeURIComponent(incidentId)}/decisions`;
  const data = useApi<IncidentDecisions>(path);
  const decisions = data.data?.decisions ?? [];
  const firings = data.data?.firings ?? [];
  return (
    <section className="panel decisions-panel" aria-labelledby="decisions-title">
      <h2 id="decisions-title">{t('decisions.heading')}</h2>
      <ErrorNote error={data.error} />
      {!data.data && data.isLoading && <Loading />}
      {data.data && (
        <>
          {decisions.length === 0 ? (
            <p className="muted">{t('decisions.none')}</p>
          ) : (
            <ul className="decisions">
              {decisions.map((d) => (
                <DecisionItem
                  key={`${d.before}-${d.decidedAt ?? 'pending'}`}
                  decision={d}
                  canDecide={isLead}
                  path={`${path}/${d.before}`}
                  onDecided={() => {
                    data.reload();
                    onChanged();
                  }}
                />
              ))}
            </ul>
          )}
          <h3>{t('decisions.firings')}</h3>
          {firings.length === 0 ? (
            <p className="muted">{t('decisions.noFirings')}</p>
          ) : (
            <ul className="firings" data-testid="firings">
              {firings.map((f) => (
                <li key={`${f.ruleId}-${f.cause}-${f.firedAt}`}>
                  <Link to="/rules" translate="no">
                    {f.name ?? f.ruleId.slice(0, 8)}
                  </Link>{' '}
                  <span className="muted">{t('decisions.version', { version: f.version })}</span>
                  <div>
                    <Cause cause={f.cause} />
                  </div>
                  <div className="muted">
                    <DateTime value={f.firedAt} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function DecisionItem({ decision, canDecide, path, onDecided }: { decision: Decision; canDecide: boolean; path: string; onDecided: () => void }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const state = decision.decision ?? 'pending';
  const decide = async (value: 'approved' | 'refused') => {
    setBusy(true);
    setError(null);
    try {
      await api<undefined>('POST', path, { decision: value, ...(note.trim() ? { note: note.trim() } : {}) });
      onDecided();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className={`decision decision-${state}`} data-testid="decision">
      <div className="task-head">
        <span className={`badge decision-state-${state}`}>{t(`decisions.state.${state}`)}</span>
        <strong>{t(`decisions.before.${decision.before}`)}</strong>
      </div>
      <div className="muted">
        {t('decisions.requiredAt')} <DateTime value={decision.requiredAt} />
        {decision.ruleId ? ` · ${t('decisions.byRule')}` : ''}
      </div>
      {decision.decision && (
        <div>
          {t('decisions.decidedBy')} <Who id={decision.decidedBy} name={decision.decidedByName} /> · <DateTime value={decision.decidedAt} />
          {decision.note && (
            <p className="note" translate="no">
              {decision.note}
            </p>
          )}
        </div>
      )}
      {!decision.decision && <p className="notice">{t(`decisions.held.${decision.before}`)}</p>}
      {!decision.decision && canDecide && (
        <form className="decision-form" onSubmit={(e) => e.preventDefault()}>
          <Field label={t('decisions.note')}>{(id) => <textarea id={id} rows={2} value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} />}</Field>
          <div className="task-actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void decide('approved')}>
              {t('decisions.approve')}
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void decide('refused')}>
              {t('decisions.refuse')}
            </button>
          </div>
        </form>
      )}
      {!decision.decision && !canDecide && <p className="muted">{t('decisions.leadOnly')}</p>}
      <ErrorNote error={error} />
    </li>
  );
}
