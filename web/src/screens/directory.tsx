import { AbuseStepText } from '../components/abuse-step-facts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { AbuseContact, Organisation, OwnerLookup, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, Pager } from '../components/common';
import '../components/coordination.css';
import { navigate, useLocation } from '../router';

const LIMIT = 25;

/** The organisation directory and "who owns this address / domain?". */
export function DirectoryScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const owner = query.get('owner') ?? '';
  const abuse = query.get('abuse') ?? '';
  const name = query.get('q') ?? '';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [ownerDraft, setOwnerDraft] = useState(owner);
  const [abuseDraft, setAbuseDraft] = useState(abuse);
  const contact = useApi<AbuseContact>(abuse ? withQuery('/api/directory/abuse-contact', { q: abuse }) : null);
  const [nameDraft, setNameDraft] = useState(name);
  const lookup = useApi<OwnerLookup>(owner ? withQuery('/api/directory/owner', { q: owner }) : null);
  const orgs = useApi<Page<Organisation>>(withQuery('/api/organisations', { q: name, limit: LIMIT, offset }));
  const [open, setOpen] = useState<string | null>(null);
  const go = (changes: Record<string, string | number>) => navigate(withQuery('/directory', { owner, abuse, q: name, offset: 0, ...changes }));
  const submitAbuse = (e: FormEvent) => {
    e.preventDefault();
    go({ abuse: abuseDraft.trim() });
  };
  const submitOwner = (e: FormEvent) => {
    e.preventDefault();
    go({ owner: ownerDraft.trim() });
  };
  const submitName = (e: FormEvent) => {
    e.preventDefault();
    go({ q: nameDraft.trim() });
  };
  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('directory.heading')}</h1>
      </div>
      <section className="panel" aria-labelledby="owner-title">
        <h2 id="owner-title">{t('directory.ownerHeading')}</h2>
        <form onSubmit={submitOwner} className="inline-fields">
          <label htmlFor="owner-q">{t('directory.ownerLabel')}</label>
          <input id="owner-q" translate="no" value={ownerDraft} onChange={(e) => setOwnerDraft(e.target.value)} placeholder="203.0.113.7 / example.jp / AS64500" />
          <button type="submit" className="primary">
            {t('directory.lookup')}
          </button>
        </form>
        <ErrorNote error={lookup.error} />
        {owner && !lookup.data && lookup.isLoading && <Loading />}
        {owner && lookup.data && (
          <div className="owner-result">
            {lookup.data.matches.length === 0 && <p className="muted">{t('directory.noOwner')}</p>}
            <ul>
              {lookup.data.matches.map((m) => (
                <li key={`${m.organisation.id}-${m.resource.value}`} className={m.isMostSpecific ? 'most-specific' : undefined}>
                  <strong translate="no">{m.organisation.name}</strong> ({t(`orgKind.${m.organisation.kind}`)}) — <code translate="no">{m.resource.value}</code>
                  {m.isMostSpecific && <span className="mark mark-ok">{t('directory.mostSpecific')}</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="abuse-title">
        <h2 id="abuse-title">{t('abuse.heading')}</h2>
        <form onSubmit={submitAbuse} className="inline-fields">
          <label htmlFor="abuse-q">{t('abuse.label')}</label>
          <input id="abuse-q" translate="no" value={abuseDraft} onChange={(e) => setAbuseDraft(e.target.value)} placeholder="https://evil.example/login / 203.0.113.7" className="grow" />
          <button type="submit" className="primary">
            {t('abuse.lookup')}
          </button>
        </form>
        <ErrorNote error={contact.error} />
        {abuse && !contact.data && contact.isLoading && <Loading />}
        {abuse && contact.data && <AbuseContactResult result={contact.data} />}
      </section>
      <section className="panel" aria-labelledby="orgs-title">
        <h2 id="orgs-title">{t('directory.organisations')}</h2>
        <form onSubmit={submitName} className="inline-fields">
          <label htmlFor="org-q">{t('directory.nameLabel')}</label>
          <input id="org-q" value={nameDraft} onChange={(e) => setNameDraft(e.target.value)} />
          <button type="submit">{t('directory.filter')}</button>
        </form>
        <ErrorNote error={orgs.error} />
        {!orgs.data && orgs.isLoading && <Loading />}
        {orgs.data && orgs.data.items.length === 0 && <p className="muted">{t('directory.empty')}</p>}
        {orgs.data && orgs.data.items.length > 0 && (
          <>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('directory.name')}</th>
                  <th scope="col">{t('directory.kind')}</th>
                  <th scope="col">{t('directory.country')}</th>
                  <th scope="col">{t('directory.trust')}</th>
                  <th scope="col">{t('directory.contacts')}</th>
                </tr>
              </thead>
              <tbody>
                {orgs.data.items.map((o) => (
                  <tr key={o.id}>
                    <td translate="no">{o.name}</td>
                    <td>{t(`orgKind.${o.kind}`)}</td>
                    <td translate="no">{o.country ?? '—'}</td>
                    <td>{t(`trust.${o.trustLevel}`)}</td>
                    <td>
                      <button type="button" className="link-button" aria-expanded={open === o.id} onClick={() => setOpen(open === o.id ? null : o.id)}>
                        {t('directory.contactCount', { count: o.contacts.length })}
                      </button>
                      {open === o.id && (
                        <ul className="contacts">
                          {o.contacts.map((c) => (
                            <li key={c.id}>
                              {t(`contactRole.${c.role}`)}: <span translate="no">{c.name ? `${c.name} ` : ''}&lt;{c.email}&gt;</span>{' '}
                              <span className="muted" translate="no">
                                {c.timezone}
                                {c.officeHours ? ` · ${c.officeHours}` : ''}
                              </span>
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager offset={offset} limit={LIMIT} total={orgs.data.total} isExact={orgs.data.totalIsExact} onChange={(o) => go({ offset: o })} />
          </>
        )}
      </section>
    </main>
  );
}

/** 'registry:ripe' as a translation key. */
const sourceKey = (source: string): string => {
  const base = source.split(':')[0]!;
  return base === 'registry' ? 'registry' : 'directory';
};

/** A source's name in the reader's language; security.txt is a file name in every language. */
function SourceName({ source }: { source: string }) {
  const { t } = useTranslation();
  if (source === 'security.txt') return <span translate="no">security.txt</span>;
  return <>{t(`abuse.sources.${sourceKey(source)}`)}</>;
}

/** Whom to tell, and how it was found: directory → registry → security.txt, each step with its source and how fresh it is. */
function AbuseContactResult({ result }: { result: AbuseContact }) {
  const { t } = useTranslation();
  const c = result.contact;
  return (
    <div className="abuse-result" data-testid="abuse-result">
      <p>
        {t('abuse.subject')}: {t(`abuse.subjectType.${result.subject.type}`)} <code translate="no">{result.subject.value}</code>
      </p>
      {c ? (
        <div className="abuse-contact">
          <strong>{t('abuse.contact')}</strong>: <span translate="no">{c.name ? `${c.name} ` : ''}&lt;{c.email}&gt;</span>
          {c.organisation && (
            <>
              {' '}
              · <span translate="no">{c.organisation}</span>
            </>
          )}
          <div className="muted">
            {t('abuse.source')}: <SourceName source={c.source} />
            {c.source.includes(':') && <span translate="no"> ({c.source.slice(c.source.indexOf(':') + 1)})</span>} · {t('abuse.asOf')}: <DateTime value={c.asOf} />
          </div>
        </div>
      ) : (
        <p className="notice">{t('abuse.noContact')}</p>
      )}
      <h3>{t('abuse.steps')}</h3>
      <ol className="abuse-steps">
        {result.steps.map((s, i) => (
          <li key={i} className={s.found ? 'found' : 'not-found'}>
            <strong>
              {i + 1}. <SourceName source={s.source} />
            </strong>{' '}
            <span className={`mark ${s.found ? 'mark-ok' : 'mark-plain'}`}>{t(s.found ? 'abuse.found' : 'abuse.notFound')}</span>{' '}
            <span className="muted">
              {t('abuse.asOf')}: <DateTime value={s.asOf} />
            </span>
            <AbuseStepText facts={s.facts} />
          </li>
        ))}
      </ol>
    </div>
  );
}
