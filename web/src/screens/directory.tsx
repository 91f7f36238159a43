import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { Organisation, OwnerLookup, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { ErrorNote, Loading, Pager } from '../components/common';
import { navigate, useLocation } from '../router';

const LIMIT = 25;

/** The organisation directory and "who owns this address / domain?". */
export function DirectoryScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const owner = query.get('owner') ?? '';
  const name = query.get('q') ?? '';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [ownerDraft, setOwnerDraft] = useState(owner);
  const [nameDraft, setNameDraft] = useState(name);
  const lookup = useApi<OwnerLookup>(owner ? withQuery('/api/directory/owner', { q: owner }) : null);
  const orgs = useApi<Page<Organisation>>(withQuery('/api/organisations', { q: name, limit: LIMIT, offset }));
  const [open, setOpen] = useState<string | null>(null);
  const go = (changes: Record<string, string | number>) => navigate(withQuery('/directory', { owner, q: name, offset: 0, ...changes }));
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
