import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { COORDINATION_PURPOSES, type CoordinationPurpose } from '../../../src/domain/coordination.js';
import type { Language } from '../../../src/domain/organisation.schema.js';
import type { Tlp } from '../../../src/domain/tlp.js';
import { api, withQuery } from '../api/client';
import type { Coordination, Organisation, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { ErrorNote, Field, FormActions, TlpSelect } from './common';

/** A new coordination: the organisation and contact, purpose, language, TLP and template; the server writes the draft. */
export function NewCoordinationForm({ incidentId, tlp: incidentTlp, onCancel, onCreated }: { incidentId: string; tlp: Tlp; onCancel: () => void; onCreated: (c: Coordination) => void }) {
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
              <TlpSelect id={id} value={tlp} onChange={setTlp} />
            )}
          </Field>
        </div>
        <label className="radio">
          <input type="checkbox" checked={defang} onChange={(e) => setDefang(e.target.checked)} />
          {t('coordination.defang')} <code translate="no">hxxps://evil[.]example</code>
        </label>
        <ErrorNote error={error} />
        <FormActions onCancel={onCancel} busy={busy} submit={t('coordination.createDraft')} />
      </form>
    </div>
  );
}
