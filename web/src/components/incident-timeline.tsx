import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { multiLine } from '../../../src/domain/text.js';
import { api, withQuery } from '../api/client';
import type { Page, TimelineEntry } from '../api/types';
import { useApi } from '../api/use-api';
import { zodFieldErrors } from '../validation';
import { formatNumber } from '../format';
import { currentLanguage } from '../i18n';
import { ActorName } from './actor-name';
import { DateTime, ErrorNote, Loading, Pager } from './common';

/** TimelineNoteSchema's note (src/services/timeline.service.ts): the domain's multi-line text rule. */
const NoteSchema = multiLine(20_000);

const ENUM_FIELDS: Record<string, string> = { status: 'incidentStatus', category: 'category', severity: 'severity', priority: 'priority' };

function Value({ field, value }: { field: string; value: unknown }) {
  const { t, i18n } = useTranslation();
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  // A report's status (new → triaged) and an incident's share the field name.
  // A coordination's and a takedown's `state` share the field name too.
  const prefixes =
    field === 'status' ? ['incidentStatus', 'reportStatus'] : field === 'state' ? ['coordinationState', 'takedownState', 'taskState'] : ENUM_FIELDS[field] ? [ENUM_FIELDS[field]] : [];
  const key = typeof value === 'string' ? prefixes.map((p) => `${p}.${value}`).find((k) => i18n.exists(k)) : undefined;
  if (key) return <>{t(key)}</>;
  if (field === 'tlp' && typeof value === 'string') return <span translate="no">TLP:{value}</span>;
  return <span translate="no">{typeof value === 'string' ? value : JSON.stringify(value)}</span>;
}

/** Field changes of an entry (`{ field: { before, after } }`), with field names and values in the reader's language. */
function Changes({ changes }: { changes: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const rows = Object.entries(changes).filter(
    (e): e is [string, { before: unknown; after: unknown }] => typeof e[1] === 'object' && e[1] !== null && 'before' in e[1] && 'after' in e[1],
  );
  if (!rows.length) return null;
  return (
    <ul className="changes">
      {rows.map(([field, { before, after }]) => {
        const key = `field.${field}`;
        return (
          <li key={field}>
            <span className="field-name">{i18n.exists(key) ? t(key) : <span translate="no">{field}</span>}</span>: <Value field={field} value={before} /> →{' '}
            <Value field={field} value={after} />
          </li>
        );
      })}
    </ul>
  );
}

/** Entries a page; the API counts them all exactly, so the pager reaches every one. */
export const TIMELINE_PAGE = 100;

/**
 * The 経過記録: every entry, oldest first, a page at a time (first, previous,
 * next, last); notes are added, never edited.
 */
export function IncidentTimeline({ incidentId }: { incidentId: string }) {
  const { t } = useTranslation();
  const [offset, setOffset] = useState(0);
  const timeline = useApi<Page<TimelineEntry>>(
    withQuery(`/api/incidents/${encodeURIComponent(incidentId)}/timeline`, { limit: TIMELINE_PAGE, offset }),
  );
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return setNoteError(t('validation.required'));
    const parsed = NoteSchema.safeParse(note);
    if (!parsed.success) return setNoteError(zodFieldErrors(parsed.error, t)[''] ?? t('validation.invalid'));
    setNoteError(undefined);
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/incidents/${encodeURIComponent(incidentId)}/timeline`, { note: parsed.data });
      setNote('');
      // The new note is the newest entry: show the page it is on.
      const total = (timeline.data?.total ?? 0) + 1;
      const last = Math.floor((total - 1) / TIMELINE_PAGE) * TIMELINE_PAGE;
      if (last === offset) timeline.reload();
      else setOffset(last);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const data = timeline.data;
  const isPaged = data ? data.total > TIMELINE_PAGE : false;
  const lng = currentLanguage();
  return (
    <section aria-labelledby="timeline-title" className="panel">
      <h2 id="timeline-title">{t('timeline.heading')}</h2>
      <ErrorNote error={timeline.error} />
      {!data && timeline.isLoading && <Loading />}
      {data && isPaged && (
        <p className="muted" data-testid="timeline-range">
          {t('timeline.range', {
            from: formatNumber(data.offset + 1, lng),
            to: formatNumber(Math.min(data.offset + data.items.length, data.total), lng),
            total: formatNumber(data.total, lng),
          })}
        </p>
      )}
      {data && (
        <ol className="timeline" start={data.offset + 1}>
          {data.items.map((entry) => (
            <li key={entry.id} className={`timeline-entry action-${entry.action.replace('.', '-')}`}>
              <div className="timeline-head">
                <strong>{t(`timelineAction.${entry.action}`)}</strong> <span className="timeline-actor muted" data-testid="timeline-actor">
                  <ActorName id={entry.actor} name={entry.actorName} />
                </span> <DateTime value={entry.at} />
              </div>
              {entry.note && (
                <p className="note" translate="no">
                  {entry.note}
                </p>
              )}
              <Changes changes={entry.changes} />
            </li>
          ))}
        </ol>
      )}
      {data && isPaged && (
        <Pager offset={data.offset} limit={TIMELINE_PAGE} total={data.total} isExact={data.totalIsExact} onChange={setOffset} label={t('timeline.pages')} withEnds />
      )}
      <form onSubmit={(e) => void submit(e)} className="note-form">
        <label htmlFor="new-note">{t('timeline.addNote')}</label>
        <textarea
          id="new-note"
          rows={3}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          aria-invalid={noteError ? true : undefined}
          aria-describedby={noteError ? 'new-note-error' : undefined}
        />
        {noteError && (
          <small id="new-note-error" className="field-error">
            {noteError}
          </small>
        )}
        <ErrorNote error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {t('timeline.save')}
        </button>
      </form>
    </section>
  );
}
