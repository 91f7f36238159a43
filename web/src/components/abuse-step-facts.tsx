import { Fragment, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { AbuseStepFacts } from '../api/types';
import { currentLanguage } from '../i18n';
import { DateTime } from './common';

/** Names and addresses as written (never translated); lists joined as the reader's language joins them. */
const Code = ({ children }: { children: ReactNode }) => <code translate="no">{children}</code>;
const joined = (items: string[], lng: string) => items.join(lng === 'ja' ? '、' : ', ');

/**
 * A translated sentence with React nodes in its {{placeholders}}: names and
 * addresses go in as elements marked translate="no", never as text of the
 * sentence (and never parsed as markup).
 */
function sentence(t: TFunction, key: string, values: Record<string, ReactNode>): ReactNode {
  const marks = Object.fromEntries(Object.keys(values).map((k) => [k, `\uE000${k}\uE001`]));
  return t(key, marks)
    .split(/(\uE000\w+\uE001)/)
    .map((part, i) => {
      const m = /^\uE000(\w+)\uE001$/.exec(part);
      return <Fragment key={i}>{m ? values[m[1]!] : part}</Fragment>;
    });
}

/**
 * What one step of the abuse-contact search looked at and found, worded in
 * the reader's language from the facts the API returns (its `detail` is the
 * English wording, for API clients). Names, addresses and URLs are the
 * data's own, shown as written.
 */
export function AbuseStepText({ facts }: { facts: AbuseStepFacts }) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const lines: ReactNode[] = [];
  const code = (s: string, key?: string) => <Code key={key ?? s}>{s}</Code>;
  switch (facts.kind) {
    case 'directory': {
      if (!facts.owner) lines.push(sentence(t, 'abuse.facts.noOwner', { subject: code(facts.subject) }));
      else {
        lines.push(
          sentence(t, `abuse.facts.owner.${facts.owner.resourceKind}`, {
            subject: code(facts.subject),
            resource: code(facts.owner.resource),
            organisations: code(joined(facts.owner.organisations, lng)),
          }),
        );
        if (facts.owner.organisations.length > 1) lines.push(t('abuse.facts.claimedTwice'));
      }
      if (facts.lessSpecific.length)
        lines.push(sentence(t, 'abuse.facts.lessSpecific', { list: code(joined(facts.lessSpecific.map((l) => `${l.resource} (${l.organisation})`), lng)) }));
      if (facts.contact) {
        const why = facts.contact.why;
        const reason =
          why.code === 'outside-hours'
            ? sentence(t, 'abuse.facts.why.outsideHours', { email: code(why.email), localTime: code(why.localTime), timezone: code(why.timezone) })
            : why.code === 'role'
              ? t('abuse.facts.why.role', { role: t(`contactRole.${why.role}`) })
              : t('abuse.facts.why.chosen');
        lines.push(sentence(t, 'abuse.facts.contact', { email: code(facts.contact.email), reason }));
      }
      if (facts.withoutContact) lines.push(sentence(t, 'abuse.facts.withoutContact', { organisation: code(facts.withoutContact) }));
      break;
    }
    case 'registry':
      if (!facts.isImported)
        lines.push(
          <span key="import">
            {t('abuse.facts.registryNotImported')} {code('renkei import registry FILE')}
          </span>,
        );
      else if (!facts.range) lines.push(sentence(t, 'abuse.facts.registryNoRange', { subject: code(facts.subject) }));
      else {
        const r = facts.range;
        lines.push(
          sentence(t, 'abuse.facts.registryRange', { subject: code(facts.subject), from: code(r.from), to: code(r.to), names: code(r.names.join(', ') || '—'), source: code(r.source) }),
        );
        lines.push(r.abuseEmail ? sentence(t, 'abuse.facts.abuseMailbox', { email: code(r.abuseEmail) }) : t('abuse.facts.noAbuseMailbox'));
      }
      break;
    case 'security.txt':
      if (!facts.file) {
        lines.push(t('abuse.facts.noSecurityTxt'));
        for (const tried of facts.tried)
          lines.push(
            <span key={tried.url}>
              {code(tried.url)}: {code(tried.outcome)}
            </span>,
          );
      } else {
        const f = facts.file;
        lines.push(<span key="url">{code(f.url)}</span>);
        lines.push(f.contacts.length ? <span key="contacts">{t('abuse.facts.contacts')}: {f.contacts.map((c) => code(c))}</span> : t('abuse.facts.noContactField'));
        lines.push(
          f.expires ? (
            <span key="expires">
              {t('abuse.facts.expires')}: <DateTime value={f.expires} />
              {f.isExpired && <strong> — {t('abuse.facts.expired')}</strong>}
            </span>
          ) : (
            t('abuse.facts.noExpires')
          ),
        );
        lines.push(
          <span key="sig">
            {t(`abuse.facts.signature.${f.signature}`)}
            {f.fingerprint && <> ({code(f.fingerprint)})</>}
          </span>,
        );
        if (f.languages.length) lines.push(<span key="langs">{t('abuse.facts.languages')}: {code(f.languages.join(', '))}</span>);
        if (f.problems.length)
          lines.push(
            <span key="problems">
              {t('abuse.facts.problems')}:{' '}
              <span lang="en" translate="no">
                {f.problems.join('; ')}
              </span>
            </span>,
          );
      }
      break;
  }
  return (
    <ul className="abuse-facts">
      {lines.map((l, i) => (
        <li key={i}>{l}</li>
      ))}
    </ul>
  );
}
