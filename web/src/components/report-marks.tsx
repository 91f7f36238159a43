import { useTranslation } from 'react-i18next';
import type { MailMeta, ReportSummary } from '../api/types';

/** Marks of a report, as words (not colour or icons alone): a reply to an earlier report, encrypted, signed. */
export function ReportMarks({ report }: { report: Pick<ReportSummary, 'meta' | 'replyTo'> }) {
  const { t } = useTranslation();
  const pgp = (report.meta as MailMeta).pgp;
  if (!pgp && !report.replyTo) return null;
  const sig = pgp?.signature?.status ?? 'none';
  return (
    <span className="marks">
      {report.replyTo && <span className="mark">{t('marks.reply')}</span>}
      {pgp?.isEncrypted && <span className={`mark ${pgp.isDecrypted ? 'mark-ok' : 'mark-warn'}`}>{t(pgp.isDecrypted ? 'marks.encrypted' : 'marks.undecryptable')}</span>}
      {sig !== 'none' && <span className={`mark ${sig === 'valid' ? 'mark-ok' : 'mark-warn'}`}>{t(`marks.signature.${sig}`)}</span>}
    </span>
  );
}

/** A BCP 47 tag of a report's language, named in the reader's language where we know it. */
export function LanguageName({ tag }: { tag: string | null }) {
  const { t } = useTranslation();
  if (!tag) return <span className="muted">—</span>;
  const base = tag.toLowerCase().split('-')[0];
  if (base === 'ja' || base === 'en') return <>{t(`reportLanguage.${base}`)}</>;
  return <span translate="no">{tag}</span>;
}
