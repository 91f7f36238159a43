import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CoordinationState } from '../../../src/domain/coordination.js';
import type { Tlp } from '../../../src/domain/tlp.js';
import { api } from '../api/client';
import type { Coordination, CoordinationMessage, IncidentDetail } from '../api/types';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { DateTime, Dialog, ErrorNote, Loading, TlpLabel } from './common';
import { DraftPreview } from './coordination-draft';
import { NewCoordinationForm } from './coordination-new';
import './coordination.css';

export type ReportRef = IncidentDetail['reports'][number];

/** A coordination's state as a badge: the word, never the colour alone. */
export function CoordinationStateBadge({ state }: { state: CoordinationState }) {
  const { t } = useTranslation();
  return <span className={`badge coord-${state}`}>{t(`coordinationState.${state}`)}</span>;
}

function DeliveryBadge({ m }: { m: CoordinationMessage }) {
  const { t } = useTranslation();
  if (!m.delivery) return null;
  return <span className={`badge delivery-${m.delivery}`}>{t(`delivery.${m.delivery}`)}</span>;
}

/** The party's local time now and whether it is inside its office hours. */
function ContactTime({ c }: { c: Coordination }) {
  const { t } = useTranslation();
  if (!c.contactTime) return null;
  const open = c.contactTime.isOpen;
  return (
    <span className="contact-time">
      {t('coordination.localTime')}: <span translate="no">{c.contactTime.localTime}</span> (<span translate="no">{c.contactTime.timeZone}</span>){' '}
      <span className={`badge ${open === null ? '' : open ? 'office-open' : 'office-closed'}`}>
        {t(open === null ? 'coordination.hoursUnknown' : open ? 'coordination.inHours' : 'coordination.outOfHours')}
      </span>
    </span>
  );
}

function Messages({ c }: { c: Coordination }) {
  const { t } = useTranslation();
  if (c.messages.length === 0) return null;
  return (
    <ul className="coord-messages" aria-label={t('coordination.messages')}>
      {c.messages.map((m) => (
        <li key={m.id} className={`msg-${m.direction}`}>
          <span className="msg-dir">{t(`coordination.direction.${m.direction}`)}</span>
          {m.direction === 'outbound' && <> · {t(`coordination.kind.${m.kind}`)}</>} · <DateTime value={m.sentAt ?? m.at} />{' '}
          <DeliveryBadge m={m} />
          {m.direction === 'outbound' && (
            <>
              {m.isSigned && <span className="mark mark-ok">{t('coordination.signed')}</span>}
              {m.isEncrypted ? <span className="mark mark-ok">{t('marks.encrypted')}</span> : <span className="mark mark-plain">{t('coordination.notEncrypted')}</span>}
            </>
          )}
          <div className="msg-subject break" translate="no">
            {m.subject}
          </div>
          {m.delivery === 'failed' && m.lastError && (
            <div className="muted break">
              {t('coordination.lastError')}: <span translate="no">{m.lastError}</span>
            </div>
          )}
          {m.reportId && (
            <Link to={`/reports/${m.reportId}`} className="reply-link">
              {t('coordination.openReply')}
            </Link>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The manual moves the coordination allows from where it stands, with a note. */
function StateChange({ incidentId, c, onChanged }: { incidentId: string; c: Coordination; onChanged: () => void }) {
  const { t } = useTranslation();
  const moves = c.allowedStates;
  const [to, setTo] = useState<CoordinationState | ''>('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (moves.length === 0) return null;
  const target = to && moves.includes(to) ? to : moves[0]!;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/incidents/${encodeURIComponent(incidentId)}/coordinations/${c.id}/state`, { state: target, ...(note.trim() ? { note } : {}) });
      setNote('');
      setTo('');
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const sel = `coord-state-${c.id}`;
  const noteId = `coord-note-${c.id}`;
  return (
    <form className="inline-fields coord-state-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={sel}>{t('coordination.moveTo')}</label>
      <select id={sel} value={target} onChange={(e) => setTo(e.target.value as CoordinationState)}>
        {moves.map((s) => (
          <option key={s} value={s}>
            {t(`coordinationState.${s}`)}
          </option>
        ))}
      </select>
      <label htmlFor={noteId}>{t('coordination.stateNote')}</label>
      <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} />
      <button type="submit" disabled={busy}>
        {t('coordination.applyState')}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

function CoordinationItem({ incidentId, c, onChanged, onOpenDraft }: { incidentId: string; c: Coordination; onChanged: () => void; onOpenDraft: (c: Coordination) => void }) {
  const { t } = useTranslation();
  const party = c.organisationName ?? c.contactName;
  return (
    <li className="coordination" data-testid="coordination">
      <div className="coord-head">
        <code translate="no" className="coord-tag">
          [{c.tag}]
        </code>
        <strong>{t(`coordinationPurpose.${c.purpose}`)}</strong>
        <CoordinationStateBadge state={c.state} />
        <TlpLabel tlp={c.tlp} />
      </div>
      <div className="coord-party">
        {t('coordination.party')}:{' '}
        <span translate="no">
          {party ? `${party} ` : ''}&lt;{c.contactEmail}&gt;
        </span>{' '}
        · {t(`reportLanguage.${c.language}`)}
      </div>
      <ContactTime c={c} />
      {c.state === 'draft' && (
        <p className="muted">
          {t('coordination.draftNote')}{' '}
          <button type="button" onClick={() => onOpenDraft(c)}>
            {t('coordination.openDraft')}
          </button>
        </p>
      )}
      {c.state === 'delivery-failed' && (
        <p>
          <button type="button" onClick={() => onOpenDraft(c)}>
            {t('coordination.retry')}
          </button>
        </p>
      )}
      {c.nextReminderAt && c.state === 'sent' && (
        <div className="muted">
          {t('coordination.nextReminder')}: <DateTime value={c.nextReminderAt} />
        </div>
      )}
      <Messages c={c} />
      <StateChange incidentId={incidentId} c={c} onChanged={onChanged} />
    </li>
  );
}

/** Coordination threads of the incident: start one, review its draft, send it, record where it stands. */
export function CoordinationPanel({ incidentId, tlp, reports, onChanged }: { incidentId: string; tlp: Tlp; reports: ReportRef[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const list = useApi<{ items: Coordination[] }>(`/api/incidents/${encodeURIComponent(incidentId)}/coordinations`);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<Coordination | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { reload } = list;
  // While a message waits in the outbound queue, look again now and then: its delivery changes without us.
  const queued = list.data?.items.some((c) => c.messages.some((m) => m.delivery === 'queued')) ?? false;
  useEffect(() => {
    if (!queued) return;
    const timer = setTimeout(reload, 3000);
    return () => clearTimeout(timer);
  }, [queued, list.data, reload]);
  const changed = () => {
    reload();
    onChanged();
  };
  const tellReporter = async () => {
    setBusy(true);
    setError(null);
    try {
      setDraft(await api<Coordination>('POST', `/api/incidents/${encodeURIComponent(incidentId)}/coordinations`, { purpose: 'reporter-update' }));
      reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="coordination-title">
      <div className="panel-head">
        <h2 id="coordination-title">{t('coordination.heading')}</h2>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          {t('coordination.new')}
        </button>
        <button type="button" onClick={() => void tellReporter()} disabled={busy}>
          {t('coordination.tellReporter')}
        </button>
      </div>
      <ErrorNote error={error ?? list.error} />
      {!list.data && list.isLoading && <Loading />}
      {list.data && list.data.items.length === 0 && <p className="muted">{t('coordination.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="coordinations">
          {list.data.items.map((c) => (
            <CoordinationItem key={c.id} incidentId={incidentId} c={c} onChanged={changed} onOpenDraft={setDraft} />
          ))}
        </ul>
      )}
      <Dialog title={t('coordination.newTitle')} open={creating} onClose={() => setCreating(false)}>
        {creating && (
          <NewCoordinationForm
            incidentId={incidentId}
            tlp={tlp}
            onCancel={() => setCreating(false)}
            onCreated={(c) => {
              setCreating(false);
              setDraft(c);
              reload();
            }}
          />
        )}
      </Dialog>
      <Dialog title={draft ? t('coordination.previewTitle', { tag: draft.tag }) : ''} open={draft !== null} onClose={() => setDraft(null)}>
        {draft && (
          <DraftPreview
            key={draft.id}
            incidentId={incidentId}
            c={draft}
            reports={reports}
            onClose={() => {
              setDraft(null);
              reload();
            }}
            onSent={() => {
              setDraft(null);
              changed();
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
