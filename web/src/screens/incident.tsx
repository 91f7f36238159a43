import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { allowedTransitions, type IncidentStatus } from '../../../src/domain/incident-lifecycle.js';
import { api } from '../api/client';
import type { Incident, IncidentDetail } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, StatusBadge, TlpLabel } from '../components/common';
import { IncidentEditForm } from '../components/incident-edit';
import { IncidentObservables } from '../components/incident-observables';
import { IncidentTimeline } from '../components/incident-timeline';
import { CoordinationPanel } from '../components/coordination-panel';
import { SlaPanel } from '../components/sla-panel';
import { TakedownPanel } from '../components/takedown-panel';
import { Link } from '../router';

const WHEN = ['occurredAt', 'detectedAt', 'reportedAt'] as const;
const WHAT = ['vector', 'impact', 'affectedAssets', 'actor', 'motive'] as const;

export function IncidentScreen({ id }: { id: string }) {
  const { t } = useTranslation();
  const detail = useApi<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}`);
  const [incident, setIncident] = useState<Incident | null>(null);
  const [editing, setEditing] = useState(false);
  // Bumped when a coordination changes: sending one moves takedowns, SLA clocks and the timeline.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (detail.data) setIncident(detail.data.incident);
  }, [detail.data]);
  useEffect(() => {
    if (incident) document.title = `${incident.number} — Renkei`;
  }, [incident]);

  if (detail.error) return <main id="main"><ErrorNote error={detail.error} /></main>;
  if (!incident || !detail.data) return <main id="main"><Loading /></main>;
  const changed = (i: Incident) => {
    setIncident(i);
    setEditing(false);
    detail.reload();
  };

  return (
    <main id="main" className="incident">
      <div className="screen-title">
        <h1>
          <span className="number" translate="no">
            {incident.number}
          </span>{' '}
          <span translate="no">{incident.title}</span>
        </h1>
        <TlpLabel tlp={incident.tlp} />
        <StatusBadge status={incident.status} />
        {!editing && (
          <button type="button" onClick={() => setEditing(true)}>
            {t('incident.edit')}
          </button>
        )}
      </div>
      {incident.mergedInto && (
        <p className="notice">
          {t('incident.mergedInto')}{' '}
          <Link to={`/incidents/${incident.mergedInto}`} translate="no">
            {incident.mergedInto}
          </Link>
        </p>
      )}
      <div className="incident-layout">
        <div className="incident-main">
          {editing ? (
            <IncidentEditForm incident={incident} onSaved={changed} onCancel={() => setEditing(false)} />
          ) : (
            <section className="panel" aria-labelledby="summary-title">
              <h2 id="summary-title">{t('incident.summaryHeading')}</h2>
              <dl className="facts">
                <dt>{t('field.category')}</dt>
                <dd>{t(`category.${incident.category}`)}</dd>
                <dt>{t('field.severity')}</dt>
                <dd>{t(`severity.${incident.severity}`)}</dd>
                <dt>{t('field.priority')}</dt>
                <dd>{t(`priority.${incident.priority}`)}</dd>
                <dt>{t('field.tlp')}</dt>
                <dd>
                  <TlpLabel tlp={incident.tlp} />
                </dd>
                <dt>{t('field.status')}</dt>
                <dd>
                  <StatusBadge status={incident.status} />
                </dd>
                <dt>{t('field.owner')}</dt>
                <dd translate="no">{incident.owner ?? <span className="muted">{t('incident.unassigned')}</span>}</dd>
                <dt>{t('field.constituency')}</dt>
                <dd translate="no">{incident.constituency ?? '—'}</dd>
                <dt>{t('incident.created')}</dt>
                <dd>
                  <DateTime value={incident.createdAt} />
                </dd>
                <dt>{t('incident.updated')}</dt>
                <dd>
                  <DateTime value={incident.updatedAt} />
                </dd>
              </dl>
              {incident.summary && (
                <p className="summary-text" translate="no">
                  {incident.summary}
                </p>
              )}
              <h3>{t('incident.fiveW1H')}</h3>
              <dl className="facts">
                {WHEN.map((k) => (
                  <div key={k} className="fact">
                    <dt>{t(`field.fiveW1H.${k}`)}</dt>
                    <dd>
                      <DateTime value={incident.fiveW1H[k]} />
                    </dd>
                  </div>
                ))}
                {WHAT.map((k) => (
                  <div key={k} className="fact">
                    <dt>{t(`field.fiveW1H.${k}`)}</dt>
                    <dd translate="no">{incident.fiveW1H[k] ?? '—'}</dd>
                  </div>
                ))}
              </dl>
            </section>
          )}
          <StatusChange incident={incident} onChanged={changed} />
          <CoordinationPanel incidentId={incident.id} tlp={incident.tlp} reports={detail.data.reports} onChanged={() => setTick((n) => n + 1)} />
          <TakedownPanel key={`takedowns-${tick}`} incidentId={incident.id} />
          <IncidentTimeline key={`${incident.version}-${tick}`} incidentId={incident.id} />
        </div>
        <div className="incident-side">
          <SlaPanel key={`sla-${incident.version}-${tick}`} incidentId={incident.id} />
          <section className="panel" aria-labelledby="reports-title">
            <h2 id="reports-title">{t('incident.reports', { count: detail.data.reportTotal })}</h2>
            <ul className="report-list">
              {detail.data.reports.map((r) => (
                <li key={r.id}>
                  <Link to={`/reports/${r.id}`} translate="no">
                    {r.subject ?? t('report.noSubject')}
                  </Link>
                  <div className="muted">
                    <span translate="no">{r.sender ?? '—'}</span> · {t(`channel.${r.channel}`)} · <DateTime value={r.receivedAt} />
                  </div>
                </li>
              ))}
            </ul>
          </section>
          <IncidentObservables key={detail.data.reportTotal} incidentId={incident.id} />
        </div>
      </div>
    </main>
  );
}

/** Only the moves the lifecycle allows from here (domain/incident-lifecycle.ts), with an optional note. */
function StatusChange({ incident, onChanged }: { incident: Incident; onChanged: (i: Incident) => void }) {
  const { t } = useTranslation();
  const next = allowedTransitions(incident.status);
  const [to, setTo] = useState<IncidentStatus | ''>('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const target = to && next.includes(to) ? to : next[0];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      onChanged(await api<Incident>('POST', `/api/incidents/${incident.id}/status`, { status: target, version: incident.version, ...(note.trim() ? { note } : {}) }));
      setNote('');
      setTo('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel status-form" onSubmit={(e) => void submit(e)} aria-labelledby="status-title">
      <h2 id="status-title">{t('incident.changeStatus')}</h2>
      <div className="inline-fields">
        <label htmlFor="next-status">{t('incident.nextStatus')}</label>
        <select id="next-status" value={target ?? ''} onChange={(e) => setTo(e.target.value as IncidentStatus)}>
          {next.map((s) => (
            <option key={s} value={s}>
              {t(`incidentStatus.${s}`)}
            </option>
          ))}
        </select>
        <label htmlFor="status-note">{t('incident.statusNote')}</label>
        <input id="status-note" value={note} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" className="primary" disabled={busy || !target}>
          {t('incident.applyStatus')}
        </button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
