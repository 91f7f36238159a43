import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { COORDINATION_PURPOSES, type CoordinationPurpose, type CoordinationState } from '../../../src/domain/coordination.js';
import type { Language } from '../../../src/domain/organisation.schema.js';
import { TLP_LABELS, type Tlp } from '../../../src/domain/tlp.js';
import { api, withQuery } from '../api/client';
import type { Coordination, CoordinationMessage, IncidentDetail, Organisation, Page, ReportDetail } from '../api/types';
import { useApi } from '../api/use-api';
import { revealControls } from '../format';
import { Link } from '../router';
import { DateTime, Dialog, ErrorNote, Field, Loading, TlpLabel } from './common';
import './coordination.css';

type ReportRef = IncidentDetail['reports'][number];

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

function NewCoordinationForm({ incidentId, tlp: incidentTlp, onCancel, onCreated }: { incidentId: string; tlp: Tlp; onCancel: () => void; onCreated: (c: Coordination) => void }) {
  const { t } = useTranslation();
  const [purpose, setPurpose] = useState<CoordinationPurpose>('takedown');
  const [partyKind, setPartyKind] = useState<'directory' | 'address'>('directory');
  const [orgQuery, setOrgQuery] = useState('');
  const [orgSearch, setOrgSearch] = useState('');
  const [orgId, setOrgId] = useState('');
  const [contactEmail, setContactEmail] = useState('');
  const [address, setAddress] = useState('');
  const [name, setName] = useState('');
  const [language, setLanguage] = useState<Language | ''>('');
  const [tlp, setTlp] = useState<Tlp>(incidentTlp);
  const [defang, setDefang] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const orgs = useApi<Page<Organisation>>(partyKind === 'directory' ? withQuery('/api/organisations', { q: orgSearch, limit: 20 }) : null);
  const org = orgs.data?.items.find((o) => o.id === orgId);
  useEffect(() => {
    // The first match is chosen as soon as the list arrives; the person can pick another.
    if (orgs.data && !orgs.data.items.some((o) => o.id === orgId)) setOrgId(orgs.data.items[0]?.id ?? '');
  }, [orgs.data, orgId]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setOrgSearch(orgQuery.trim());
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const party =
      partyKind === 'directory'
        ? orgId
          ? { organisationId: orgId, ...(contactEmail ? { contactEmail } : {}) }
          : null
        : purpose === 'reporter-update' && !address.trim()
          ? {}
          : address.trim()
            ? { contactEmail: address.trim(), ...(name.trim() ? { contactName: name.trim() } : {}) }
            : null;
    if (!party) return setMissing(true);
    setMissing(false);
    setBusy(true);
    setError(null);
    try {
      onCreated(
        await api<Coordination>('POST', `/api/incidents/${encodeURIComponent(incidentId)}/coordinations`, {
          purpose,
          ...party,
          ...(language ? { language } : {}),
          tlp,
          defang,
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="dialog-form coord-form">
      <form id="org-search-form" onSubmit={search} />
      <form onSubmit={(e) => void submit(e)}>
        <Field label={t('coordination.purpose')}>
          {(id) => (
            <select id={id} value={purpose} onChange={(e) => setPurpose(e.target.value as CoordinationPurpose)} autoFocus>
              {COORDINATION_PURPOSES.map((p) => (
                <option key={p} value={p}>
                  {t(`coordinationPurpose.${p}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset>
          <legend>{t('coordination.party')}</legend>
          <label className="radio">
            <input type="radio" name="party-kind" checked={partyKind === 'directory'} onChange={() => setPartyKind('directory')} />
            {t('coordination.fromDirectory')}
          </label>
          <label className="radio">
            <input type="radio" name="party-kind" checked={partyKind === 'address'} onChange={() => setPartyKind('address')} />
            {t('coordination.bareAddress')}
          </label>
          {partyKind === 'directory' ? (
            <>
              <div className="inline-fields">
                <label htmlFor="org-search">{t('coordination.orgSearch')}</label>
                <input id="org-search" form="org-search-form" value={orgQuery} onChange={(e) => setOrgQuery(e.target.value)} />
                <button type="submit" form="org-search-form">
                  {t('directory.filter')}
                </button>
              </div>
              <ErrorNote error={orgs.error} />
              <Field label={t('coordination.organisation')} error={missing ? t('coordination.partyMissing') : undefined}>
                {(id, d) => (
                  <select id={id} aria-describedby={d} value={orgId} onChange={(e) => (setOrgId(e.target.value), setContactEmail(''))}>
                    {orgs.data?.items.length === 0 && <option value="">{t('directory.empty')}</option>}
                    {orgs.data?.items.map((o) => (
                      <option key={o.id} value={o.id} translate="no">
                        {o.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {org && (
                <Field label={t('coordination.contact')}>
                  {(id) => (
                    <select id={id} value={contactEmail} onChange={(e) => setContactEmail(e.target.value)}>
                      <option value="">{t('coordination.contactAuto')}</option>
                      {org.contacts.map((c) => (
                        <option key={c.id} value={c.email} translate="no">
                          {c.email} ({t(`contactRole.${c.role}`)})
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              )}
            </>
          ) : (
            <>
              <Field
                label={t('coordination.address')}
                error={missing ? t('coordination.partyMissing') : undefined}
                {...(purpose === 'reporter-update' ? { hint: t('coordination.reporterDefault') } : {})}
              >
                {(id, d) => <input id={id} type="email" aria-describedby={d} value={address} onChange={(e) => setAddress(e.target.value)} translate="no" />}
              </Field>
              <Field label={t('coordination.contactName')}>{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
            </>
          )}
        </fieldset>
        <div className="form-grid">
          <Field label={t('coordination.language')}>
            {(id) => (
              <select id={id} value={language} onChange={(e) => setLanguage(e.target.value as Language | '')}>
                <option value="">{t('coordination.languageAuto')}</option>
                <option value="ja">{t('reportLanguage.ja')}</option>
                <option value="en">{t('reportLanguage.en')}</option>
              </select>
            )}
          </Field>
          <Field label={t('field.tlp')}>
            {(id) => (
              <select id={id} value={tlp} onChange={(e) => setTlp(e.target.value as Tlp)}>
                {TLP_LABELS.map((l) => (
                  <option key={l} value={l}>
                    TLP:{l}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <label className="radio">
          <input type="checkbox" checked={defang} onChange={(e) => setDefang(e.target.checked)} />
          {t('coordination.defang')} <code translate="no">hxxps://evil[.]example</code>
        </label>
        <ErrorNote error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('coordination.createDraft')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** The attachments of the incident's reports, to pick as evidence (by SHA-256). */
function useEvidenceFiles(reports: ReportRef[]) {
  const [files, setFiles] = useState<{ sha256: string; name: string; size: number; reportSubject: string | null }[] | null>(null);
  const ids = reports.slice(0, 20).map((r) => r.id);
  const key = ids.join();
  useEffect(() => {
    const controller = new AbortController();
    void Promise.all(
      key
        .split(',')
        .filter(Boolean)
        .map((id) =>
          api<ReportDetail>('GET', `/api/reports/${id}`, undefined, controller.signal).then(
            (d) => d.attachments.map((a) => ({ sha256: a.sha256, name: revealControls(a.filename ?? a.sha256.slice(0, 12)), size: a.size, reportSubject: d.report.subject })),
            () => [],
          ),
        ),
    ).then((lists) => {
      if (controller.signal.aborted) return;
      const seen = new Set<string>();
      setFiles(lists.flat().filter((f) => !seen.has(f.sha256) && (seen.add(f.sha256), true)));
    });
    return () => controller.abort();
  }, [key]);
  return files;
}

/** The draft as it will be sent: subject and body editable, evidence chosen; then Send, or Cancel to keep it as a draft. */
function DraftPreview({ incidentId, c, reports, onClose, onSent }: { incidentId: string; c: Coordination; reports: ReportRef[]; onClose: () => void; onSent: () => void }) {
  const { t } = useTranslation();
  const [subject, setSubject] = useState(c.subject);
  const [body, setBody] = useState(c.body);
  const [evidence, setEvidence] = useState<string[]>(c.evidence);
  const [encrypt, setEncrypt] = useState(c.encrypt);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const files = useEvidenceFiles(reports);
  const base = `/api/incidents/${encodeURIComponent(incidentId)}/coordinations/${c.id}`;
  const dirty = subject !== c.subject || body !== c.body || evidence.join() !== c.evidence.join() || encrypt !== c.encrypt;
  const save = async () => {
    if (!dirty) return;
    await api<Coordination>('PATCH', base, {
      ...(subject !== c.subject ? { subject } : {}),
      ...(body !== c.body ? { body } : {}),
      ...(evidence.join() !== c.evidence.join() ? { evidence } : {}),
      ...(encrypt !== c.encrypt ? { encrypt } : {}),
    });
  };
  const run = async (send: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await save();
      if (send) {
        await api<Coordination>('POST', `${base}/send`);
        onSent();
      } else onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (sha: string) => setEvidence((e) => (e.includes(sha) ? e.filter((x) => x !== sha) : [...e, sha]));
  const editable = c.state === 'draft' || c.state === 'delivery-failed';
  return (
    <form
      className="dialog-form draft-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(true);
      }}
    >
      <p className="draft-to">
        {t('coordination.to')}:{' '}
        <span translate="no">
          {c.organisationName ? `${c.organisationName} ` : ''}&lt;{c.contactEmail}&gt;
        </span>{' '}
        · {t(`coordinationPurpose.${c.purpose}`)} · <TlpLabel tlp={c.tlp} /> · {t(`reportLanguage.${c.language}`)}
      </p>
      <Field label={t('coordination.subject')}>
        {(id) => <input id={id} value={subject} onChange={(e) => setSubject(e.target.value)} readOnly={!editable} translate="no" />}
      </Field>
      <Field label={t('coordination.body')}>
        {(id) => <textarea id={id} rows={14} value={body} onChange={(e) => setBody(e.target.value)} readOnly={!editable} translate="no" className="draft-body" />}
      </Field>
      <fieldset>
        <legend>{t('coordination.evidence')}</legend>
        {files === null && <Loading />}
        {files?.length === 0 && <p className="muted">{t('coordination.noEvidence')}</p>}
        {files?.map((f) => (
          <label key={f.sha256} className="radio evidence-file">
            <input type="checkbox" checked={evidence.includes(f.sha256)} onChange={() => toggle(f.sha256)} disabled={!editable} />
            <span>
              <span translate="no" className="break">
                {f.name}
              </span>{' '}
              <code translate="no" className="muted">
                {f.sha256.slice(0, 16)}…
              </code>
            </span>
          </label>
        ))}
      </fieldset>
      {c.encrypt && (
        <label className="radio">
          <input type="checkbox" checked={encrypt} onChange={(e) => setEncrypt(e.target.checked)} disabled={!editable} />
          {t('coordination.encryptToKey')}
        </label>
      )}
      {!c.encrypt && <p className="muted">{t('coordination.noKey')}</p>}
      <ErrorNote error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={busy}>
          {t('common.cancel')}
        </button>
        {editable && dirty && (
          <button type="button" onClick={() => void run(false)} disabled={busy}>
            {t('coordination.saveDraft')}
          </button>
        )}
        {editable && (
          <button type="submit" className="primary" disabled={busy}>
            {t('coordination.send')}
          </button>
        )}
      </div>
    </form>
  );
}
