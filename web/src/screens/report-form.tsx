import type { IssueKind } from '../../../src/domain/errors.js';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CATEGORIES } from '../../../src/domain/taxonomy.js';
import { ApiError, api } from '../api/client';
import { LanguageSwitch } from '../components/language-switch';
import { countryOptions } from './countries';
import './report-form.css';

type Issue = { path: (string | number)[]; message: string; kind?: IssueKind };
interface Receipt {
  reference: string;
  statusUrl: string;
  receiptTo: string;
  encrypted: boolean;
}

const ZONES = ['Asia/Tokyo', 'UTC', Intl.DateTimeFormat().resolvedOptions().timeZone].filter((z, i, all) => all.indexOf(z) === i);

/** `2026-11-25T23:40` read in `zone` → ISO 8601 with that zone's offset then. */
function withZone(local: string, zone: string): string {
  const wall = Date.parse(`${local}:00Z`);
  const offset = (at: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
        .formatToParts(at)
        .map((x) => [x.type, x.value]),
    );
    return (Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - at) / 60_000;
  };
  const instant = wall - offset(wall - offset(wall) * 60_000) * 60_000;
  return new Date(instant).toISOString();
}

async function solveWork(challenge: string, bits: number): Promise<string> {
  const enc = new TextEncoder();
  for (let n = 0; ; n++) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(`${challenge}:${n}`)));
    let zeros = 0;
    for (const b of digest) {
      if (b === 0) {
        zeros += 8;
        continue;
      }
      zeros += Math.clz32(b) - 24;
      break;
    }
    if (zeros >= bits) return String(n);
  }
}

const toBase64 = async (file: File) => {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
};

/**
 * The public report form (no sign-in): the fields a CSIRT asks for, optional
 * encryption in the browser to the team's key, a proof of work computed
 * while the reporter types, and a receipt with a private status link.
 */
export function ReportFormScreen() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'en' ? 'en' : 'ja';
  const [v, setV] = useState({ reporterName: '', organisation: '', email: '', phone: '', country: '', incidentType: 'phishing', occurredLocal: '', zone: 'Asia/Tokyo', description: '', addresses: '', logs: '' });
  const [mayName, setMayName] = useState(false);
  const [encrypt, setEncrypt] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const [honeypot, setHoneypot] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  useEffect(() => {
    document.title = `Renkei — ${t('publicForm.title')}`;
  }, [t]);

  const fieldError = (name: string) => {
    const issue = issues.find((i) => i.path[0] === name || (i.path[0] === 'fields' && i.path[1] === name));
    if (!issue) return null;
    // Said by the kind of fault the server names, in the page's language; the server's own words are English.
    const kind = issue.kind ?? 'invalid';
    const text =
      kind === 'required'
        ? t('publicForm.err.required')
        : kind === 'format'
          ? t(name === 'email' ? 'publicForm.err.email' : 'publicForm.err.format')
          : kind === 'too-big'
            ? t(name === 'files' ? 'publicForm.err.tooLarge' : 'publicForm.err.tooLong')
            : kind === 'choice'
              ? t('publicForm.err.choice')
              : t('publicForm.err.invalid');
    return (
      <p className="field-error" id={`${name}-error`} role="alert">
        {text}
      </p>
    );
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setIssues([]);
    try {
      const fields = {
        reporterName: v.reporterName,
        ...(v.organisation ? { organisation: v.organisation } : {}),
        email: v.email,
        ...(v.phone ? { phone: v.phone } : {}),
        ...(v.country ? { country: v.country } : {}),
        incidentType: v.incidentType,
        ...(v.occurredLocal ? { occurredAt: withZone(v.occurredLocal, v.zone) } : {}),
        description: v.description,
        ...(v.addresses ? { addresses: v.addresses } : {}),
        ...(v.logs ? { logs: v.logs } : {}),
        mayNameReporter: mayName,
        language,
        files: await Promise.all(files.map(async (f) => ({ name: f.name, type: f.type || 'application/octet-stream', contentBase64: await toBase64(f) }))),
      };
      const { challenge, bits } = await api<{ challenge: string; bits: number }>('GET', '/api/public/challenge');
      const nonce = bits > 0 ? await solveWork(challenge, bits) : undefined;
      let body: Record<string, unknown> = { fields, website: honeypot, challenge, ...(nonce ? { nonce } : {}) };
      if (encrypt) {
        const { publicKey } = await api<{ publicKey: string }>('GET', '/api/team-key');
        const openpgp = await import('openpgp');
        const key = await openpgp.readKey({ armoredKey: publicKey });
        const armored = (await openpgp.encrypt({ message: await openpgp.createMessage({ text: JSON.stringify(fields) }), encryptionKeys: key, format: 'armored' })) as string;
        body = { encrypted: armored, website: honeypot, challenge, ...(nonce ? { nonce } : {}) };
      }
      setReceipt(await api<Receipt>('POST', '/api/public/reports', body));
    } catch (err) {
      if (err instanceof ApiError) {
        setIssues(err.issues.map((i) => ({ ...i, path: i.path[0] === 'body' ? i.path.slice(1) : i.path })));
        setError(err.status === 429 ? t('error.RATE_LIMITED') : err.status === 413 ? t('publicForm.err.tooLarge') : t('publicForm.err.check'));
      } else setError(t('error.NETWORK'));
    } finally {
      setBusy(false);
    }
  };

  if (receipt)
    return (
      <main id="main" className="public-form">
        <header className="public-header">
          <h1>{t('publicForm.receiptTitle')}</h1>
          <LanguageSwitch />
        </header>
        <p role="status">{t('publicForm.receiptText', { reference: receipt.reference, email: receipt.receiptTo })}</p>
        <p>
          <strong>{t('publicForm.reference')}:</strong> <code className="reference">{receipt.reference}</code>
        </p>
        <p>
          {t('publicForm.statusLink')}: <a href={receipt.statusUrl}>{receipt.statusUrl}</a>
        </p>
        <p className="muted">{t('publicForm.statusPrivate')}</p>
      </main>
    );

  const describe = (name: string) => (issues.some((i) => i.path.includes(name)) ? `${name}-error` : undefined);
  return (
    <main id="main" className="public-form">
      <header className="public-header">
        <h1>{t('publicForm.title')}</h1>
        <LanguageSwitch />
      </header>
      <p className="muted">{t('publicForm.intro')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="f-name">{t('publicForm.reporterName')} *</label>
          <input id="f-name" required value={v.reporterName} onChange={set('reporterName')} aria-describedby={describe('reporterName')} autoComplete="name" />
          {fieldError('reporterName')}
        </div>
        <div className="field">
          <label htmlFor="f-org">{t('publicForm.organisation')}</label>
          <input id="f-org" value={v.organisation} onChange={set('organisation')} aria-describedby={describe('organisation')} autoComplete="organization" />
          {fieldError('organisation')}
        </div>
        <div className="field">
          <label htmlFor="f-email">{t('publicForm.email')} *</label>
          <input id="f-email" type="email" required value={v.email} onChange={set('email')} aria-describedby={describe('email')} autoComplete="email" />
          {fieldError('email')}
        </div>
        <div className="field">
          <label htmlFor="f-phone">{t('publicForm.phone')}</label>
          <input id="f-phone" type="tel" value={v.phone} onChange={set('phone')} aria-describedby={describe('phone')} autoComplete="tel" />
          {fieldError('phone')}
        </div>
        <div className="field">
          <label htmlFor="f-country">{t('publicForm.country')}</label>
          <select id="f-country" value={v.country} onChange={set('country')} aria-describedby={describe('country')} autoComplete="country">
            <option value="">{t('publicForm.countryUnspecified')}</option>
            {countryOptions(language).map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
          {fieldError('country')}
        </div>
        <div className="field">
          <label htmlFor="f-type">{t('publicForm.incidentType')} *</label>
          <select id="f-type" value={v.incidentType} onChange={set('incidentType')} aria-describedby={describe('incidentType')}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}`)}
              </option>
            ))}
          </select>
          {fieldError('incidentType')}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="f-when">{t('publicForm.occurredAt')}</label>
            <input id="f-when" type="datetime-local" value={v.occurredLocal} onChange={set('occurredLocal')} aria-describedby={describe('occurredAt')} />
            {fieldError('occurredAt')}
          </div>
          <div className="field">
            <label htmlFor="f-zone">{t('publicForm.zone')}</label>
            <select id="f-zone" value={v.zone} onChange={set('zone')} translate="no">
              {ZONES.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor="f-desc">{t('publicForm.description')} *</label>
          <textarea id="f-desc" rows={6} required value={v.description} onChange={set('description')} aria-describedby={describe('description')} />
          {fieldError('description')}
        </div>
        <div className="field">
          <label htmlFor="f-addr">{t('publicForm.addresses')}</label>
          <textarea id="f-addr" rows={3} value={v.addresses} onChange={set('addresses')} aria-describedby={describe('addresses')} />
          {fieldError('addresses')}
        </div>
        <div className="field">
          <label htmlFor="f-logs">{t('publicForm.logs')}</label>
          <textarea id="f-logs" rows={4} value={v.logs} onChange={set('logs')} className="mono" aria-describedby={describe('logs')} />
          {fieldError('logs')}
        </div>
        <div className="field">
          <label htmlFor="f-files">{t('publicForm.files')}</label>
          <input id="f-files" type="file" multiple onChange={(e) => setFiles([...(e.target.files ?? [])].slice(0, 5))} aria-describedby={describe('files')} />
          {fieldError('files')}
        </div>
        <div className="field checkbox">
          <label>
            <input type="checkbox" checked={mayName} onChange={(e) => setMayName(e.target.checked)} /> {t('publicForm.mayName')}
          </label>
        </div>
        <div className="field checkbox">
          <label>
            <input type="checkbox" checked={encrypt} onChange={(e) => setEncrypt(e.target.checked)} /> {t('publicForm.encrypt')}
          </label>
        </div>
        {/* People never see this field; robots fill it in. */}
        <div className="hp-field" aria-hidden="true" translate="no">
          <label htmlFor="f-website">Website</label>
          <input id="f-website" name="website" tabIndex={-1} autoComplete="off" value={honeypot} onChange={(e) => setHoneypot(e.target.value)} />
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('publicForm.sending') : t('publicForm.submit')}
        </button>
      </form>
    </main>
  );
}

type PublicStatus = 'received' | 'being-handled' | 'resolved' | 'closed';

/** The private status page a receipt links to: the token is in the fragment, never sent to a server by the browser. */
export function ReportStatusScreen() {
  const { t } = useTranslation();
  const token = window.location.hash.replace(/^#/, '');
  const [state, setState] = useState<{ reference: string; receivedAt: string; status: PublicStatus } | 'missing' | null>(null);
  useEffect(() => {
    if (!token) {
      setState('missing');
      return;
    }
    api<{ reference: string; receivedAt: string; status: PublicStatus }>('GET', `/api/public/status/${encodeURIComponent(token)}`).then(setState, () => setState('missing'));
  }, [token]);
  return (
    <main id="main" className="public-form">
      <header className="public-header">
        <h1>{t('publicForm.statusTitle')}</h1>
        <LanguageSwitch />
      </header>
      {state === null && <p>{t('common.loading')}</p>}
      {state === 'missing' && (
        <p className="error" role="alert">
          {t('publicForm.statusMissing')}
        </p>
      )}
      {state && state !== 'missing' && (
        <dl className="status-list">
          <dt>{t('publicForm.reference')}</dt>
          <dd>
            <code>{state.reference}</code>
          </dd>
          <dt>{t('publicForm.receivedAt')}</dt>
          <dd>{new Date(state.receivedAt).toLocaleString(undefined, { timeZone: 'Asia/Tokyo', timeZoneName: 'short' })}</dd>
          <dt>{t('publicForm.status')}</dt>
          <dd role="status">{t(`publicForm.state.${state.status}`)}</dd>
        </dl>
      )}
    </main>
  );
}
