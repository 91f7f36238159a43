import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { ErrorNote } from '../components/common';
import { LanguageSwitch } from '../components/language-switch';
import { TotpQr } from '../components/totp-qr';
import { useSession } from '../session';
import { Link } from '../router';

function signInError(err: unknown, t: (k: string) => string): string | null {
  if (!(err instanceof ApiError)) return t('error.NETWORK');
  if (err.status === 401) return t('signIn.wrongPassword');
  if (err.status === 429) return t('error.RATE_LIMITED');
  return null;
}

export function SignInScreen() {
  const { t } = useTranslation();
  const { state } = useSession();
  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <header className="sign-in-header">
          <h1>
            <span translate="no">Renkei</span> <span lang="ja">連携</span>
          </h1>
          <LanguageSwitch />
        </header>
        <p className="muted">{t('signIn.tagline')}</p>
        {state.status === 'second-factor' && state.next === 'totp' && <TotpStep />}
        {state.status === 'second-factor' && state.next === 'enrol-totp' && <EnrolStep />}
        {state.status === 'signed-out' && <PasswordStep expired={state.reason === 'expired'} />}
      </div>
    </main>
  );
}

function PasswordStep({ expired }: { expired: boolean }) {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const message = error ? signInError(error, t) : null;
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">{t('signIn.title')}</h2>
      {expired && <p className="notice">{t('signIn.expired')}</p>}
      <div className="field">
        <label htmlFor="email">{t('signIn.email')}</label>
        <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      </div>
      <div className="field">
        <label htmlFor="password">{t('signIn.password')}</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      {message ? <p className="error" role="alert">{message}</p> : <ErrorNote error={error} />}
      <button type="submit" className="primary" disabled={busy}>
        {t('signIn.submit')}
      </button>
      <p>
        <Link to="/forgot-password">{t('reset.forgotLink')}</Link>
      </p>
    </form>
  );
}

function CodeForm({ label, onCode, submitLabel }: { label: string; onCode: (code: string) => Promise<void>; submitLabel: string }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onCode(code.replace(/\s+/g, ''));
    } catch (err) {
      setError(err);
      setCode('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor="totp-code">{label}</label>
        <input
          id="totp-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoFocus
          className="code-input"
        />
      </div>
      {error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 422) ? (
        <p className="error" role="alert">
          {t('signIn.wrongCode')}
        </p>
      ) : (
        <ErrorNote error={error} />
      )}
      <button type="submit" className="primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

function CancelSignIn() {
  const { t } = useTranslation();
  const { signOut } = useSession();
  return (
    <button type="button" className="link-button" onClick={() => void signOut()}>
      {t('signIn.cancel')}
    </button>
  );
}

function TotpStep() {
  const { t } = useTranslation();
  const { passSecondFactor } = useSession();
  return (
    <section aria-labelledby="totp-title">
      <h2 id="totp-title">{t('signIn.totpTitle')}</h2>
      <p>{t('signIn.totpHelp')}</p>
      <CodeForm label={t('signIn.code')} submitLabel={t('signIn.verify')} onCode={passSecondFactor} />
      <CancelSignIn />
    </section>
  );
}

function EnrolStep() {
  const { t } = useTranslation();
  const { enrolTotp, confirmTotp, finishEnrolment } = useSession();
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    enrolTotp().then(setEnrolment, setError);
  }, [enrolTotp]);
  if (recoveryCodes)
    return (
      <section aria-labelledby="recovery-title">
        <h2 id="recovery-title">{t('signIn.recoveryTitle')}</h2>
        <p>{t('signIn.recoveryHelp')}</p>
        <ol className="recovery-codes" translate="no">
          {recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <button type="button" className="primary" onClick={() => void finishEnrolment()}>
          {t('signIn.recoveryDone')}
        </button>
      </section>
    );
  return (
    <section aria-labelledby="enrol-title">
      <h2 id="enrol-title">{t('signIn.enrolTitle')}</h2>
      <p>{t('signIn.enrolHelp')}</p>
      <ErrorNote error={error} />
      {enrolment && (
        <>
          <TotpQr uri={enrolment.uri} />
          <dl className="enrolment">
            <dt>{t('signIn.secret')}</dt>
            <dd>
              <code data-testid="totp-secret" translate="no">
                {enrolment.secret}
              </code>
            </dd>
            <dt>{t('signIn.uri')}</dt>
            <dd>
              <code className="wrap" translate="no">
                {enrolment.uri}
              </code>
            </dd>
          </dl>
          <CodeForm
            label={t('signIn.enrolCode')}
            submitLabel={t('signIn.enrolConfirm')}
            onCode={async (code) => setRecoveryCodes(await confirmTotp(code))}
          />
        </>
      )}
      <CancelSignIn />
    </section>
  );
}
