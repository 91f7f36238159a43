import { IncidentReports } from '../components/incident-reports';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { allowedTransitions, type IncidentStatus } from '../../../src/domain/incident-lifecycle.js';
import { ApiError, api } from '../api/client';
import type { Incident, IncidentDetail } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, ExerciseMark, Field, Loading, StatusBadge, TlpLabel } from '../components/common';
import { DecisionPanel } from '../components/decision-panel';
import { IncidentEditForm } from '../components/incident-edit';
import { IncidentObservables } from '../components/incident-observables';
import { IncidentTimeline } from '../components/incident-timeline';
import { CoordinationPanel } from '../components/coordination-panel';
import { SlaPanel } from '../components/sla-panel';
import { EvidencePanel } from '../components/evidence-panel';
import { TakedownPanel } from '../components/takedown-panel';
import { TaskPanel } from '../components/task-panel';
import { Link } from '../router';
import { useAccount } from '../session';

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
        {incident.exercise && <ExerciseMark large />}
        {incident.legalHold && <span className="mark mark-warn">{t('field.legalHold')}</span>}
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
                <dt>{t('field.slaDueAt')}</dt>
                <dd>
                  <DateTime value={incident.slaDueAt} />
                </dd>
                <dt>{t('field.exercise')}</dt>
                <dd>{incident.exercise ? <ExerciseMark /> : t('common.no')}</dd>
                <dt>{t('field.decisionOwner')}</dt>
                <dd>{incident.decisionOwner ? <span translate="no">{incident.decisionOwner}</span> : <span className="muted">{t('incident.notDecided')}</span>}</dd>
                <dt>{t('field.legalHold')}</dt>
                <dd>{incident.legalHold ? <span className="mark mark-warn">{t('incident.legalHoldOn')}</span> : t('common.no')}</dd>
                {incident.category === 'phishing' && (
                  <>
                    <dt>{t('field.brandName')}</dt>
                    <dd translate="no">{incident.brandName ?? '—'}</dd>
                    <dt>{t('field.brandSector')}</dt>
                    <dd>{incident.brandSector ? t(`brandSector.${incident.brandSector}`) : '—'}</dd>
                    <dt>{t('field.brandOrigin')}</dt>
                    <dd>{incident.brandOrigin ? t(`brandOrigin.${incident.brandOrigin}`) : '—'}</dd>
                  </>
                )}
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
              <h3>{t('field.scope')}</h3>
              {incident.scope ? (
                <p className="summary-text" translate="no" data-testid="scope">
                  {incident.scope}
                </p>
              ) : (
                <p className="muted">{t('incident.notDecided')}</p>
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
          <TaskPanel key={`tasks-${incident.version}`} incidentId={incident.id} category={incident.category} onChanged={() => setTick((n) => n + 1)} />
          <CoordinationPanel incidentId={incident.id} tlp={incident.tlp} reports={detail.data.reports} onChanged={() => setTick((n) => n + 1)} />
          <TakedownPanel key={`takedowns-${tick}`} incidentId={incident.id} />
          <EvidencePanel incidentId={incident.id} onChanged={() => setTick((n) => n + 1)} />
          <IncidentTimeline key={`${incident.version}-${tick}`} incidentId={incident.id} />
        </div>
        <div className="incident-side">
          <DecisionPanel key={`decisions-${incident.version}-${tick}`} incidentId={incident.id} onChanged={() => setTick((n) => n + 1)} />
          <SlaPanel key={`sla-${incident.version}-${tick}`} incidentId={incident.id} />
          <IncidentReports key={`reports-${detail.data.reportTotal}-${incident.version}`} incidentId={incident.id} total={detail.data.reportTotal} />
          <IncidentObservables key={detail.data.reportTotal} incidentId={incident.id} />
        </div>
      </div>
    </main>
  );
}

/**
 * Only the moves the lifecycle allows from here (domain/incident-lifecycle.ts), with an optional note.
 * Closing over open mandatory tasks is refused; a lead may then close with an override and its reason.
 */
function StatusChange({ incident, onChanged }: { incident: Incident; onChanged: (i: Incident) => void }) {
  const { t } = useTranslation();
  const me = useAccount();
  const isLead = me.roles.includes('lead');
  const next = allowedTransitions(incident.status);
  const [to, setTo] = useState<IncidentStatus | ''>('');
  const [note, setNote] = useState('');
  const [override, setOverride] = useState('');
  const [overrideError, setOverrideError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const target = to && next.includes(to) ? to : next[0];
  // The server's answer when mandatory tasks are still open: a VALIDATION issue on `override`.
  const blocked = target === 'closed' && error instanceof ApiError && error.code === 'VALIDATION' && error.issues.some((i) => i.path[0] === 'override');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!target) return;
    if (blocked && isLead && !override.trim()) return setOverrideError(t('validation.required'));
    setOverrideError(undefined);
    setBusy(true);
    if (!blocked) setError(null);
    try {
      const body = { status: target, version: incident.version, ...(note.trim() ? { note } : {}), ...(blocked && override.trim() ? { override: override.trim() } : {}) };
      onChanged(await api<Incident>('POST', `/api/incidents/${incident.id}/status`, body));
      setNote('');
      setTo('');
      setOverride('');
      setError(null);
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
        {!blocked && (
          <button type="submit" className="primary" disabled={busy || !target}>
            {t('incident.applyStatus')}
          </button>
        )}
      </div>
      {blocked ? (
        <div className="override-box" data-testid="close-blocked">
          <p className="error" role="alert">
            {t('incident.openMandatory')} {isLead ? t('incident.overrideLead') : t('incident.overrideNotLead')}
          </p>
          {isLead && (
            <>
              <Field label={t('incident.overrideReason')} error={overrideError}>
                {(id, d) => (
                  <textarea
                    id={id}
                    rows={2}
                    aria-describedby={d}
                    aria-invalid={overrideError ? true : undefined}
                    value={override}
                    onChange={(e) => setOverride(e.target.value)}
                    maxLength={2000}
                    autoFocus
                  />
                )}
              </Field>
              <div className="dialog-actions">
                <button type="button" onClick={() => setError(null)}>
                  {t('common.cancel')}
                </button>
                <button type="submit" className="danger" disabled={busy}>
                  {t('incident.closeWithOverride')}
                </button>
              </div>
            </>
          )}
        </div>
      ) : (
        <ErrorNote error={error} />
      )}
    </form>
  );
}
