import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api/client';
import { ErrorNote } from '../components/common';
import { LanguageSwitch } from '../components/language-switch';
import { Link } from '../router';

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <header className="sign-in-header">
          <h1>
            <span translate="no">Renkei</span> <span lang="ja">連携</span>
          </h1>
          <LanguageSwitch />
        </header>
        <h2>{title}</h2>
        {children}
      </div>
    </main>
  );
}

/** "Forgot your password?": asks for a one-time link by e-mail. The answer is the same for any address. */
export function ForgotPasswordScreen() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/auth/password-reset', { email });
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('reset.forgotTitle')}>
      {sent ? (
        <p role="status">{t('reset.sent')}</p>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <p className="muted">{t('reset.forgotHelp')}</p>
          <div className="field">
            <label htmlFor="reset-email">{t('signIn.email')}</label>
            <input id="reset-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
          </div>
          {error instanceof ApiError && error.status === 429 ? (
            <p className="error" role="alert">
              {t('error.RATE_LIMITED')}
            </p>
          ) : (
            <ErrorNote error={error} />
          )}
          <button type="submit" className="primary" disabled={busy}>
            {t('reset.send')}
          </button>
        </form>
      )}
      <p>
        <Link to="/">{t('reset.backToSignIn')}</Link>
      </p>
    </Card>
  );
}

/** The page the e-mailed link opens: the token is in the fragment (#token=…), which the browser never sends to a server. */
export function ResetPasswordScreen() {
  const { t } = useTranslation();
  const token = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = repeat !== '' && repeat !== password;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/auth/password-reset/confirm', { token, newPassword: password });
      window.history.replaceState(null, '', '/reset-password');
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const tokenProblem = error instanceof ApiError && error.issues.some((i) => i.path[0] === 'token');
  return (
    <Card title={t('reset.title')}>
      {done ? (
        <p role="status">{t('reset.done')}</p>
      ) : !token ? (
        <p className="error" role="alert">
          {t('reset.noToken')}
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="new-password">{t('reset.newPassword')}</label>
            <input id="new-password" type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
          </div>
          <div className="field">
            <label htmlFor="repeat-password">{t('reset.repeat')}</label>
            <input id="repeat-password" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} aria-invalid={mismatch} />
          </div>
          {mismatch && (
            <p className="error" role="alert">
              {t('reset.mismatch')}
            </p>
          )}
          {tokenProblem ? (
            <p className="error" role="alert">
              {t('reset.invalidLink')}
            </p>
          ) : (
            <ErrorNote error={error} />
          )}
          <button type="submit" className="primary" disabled={busy || mismatch}>
            {t('reset.submit')}
          </button>
        </form>
      )}
      <p>
        <Link to="/">{t('reset.backToSignIn')}</Link>
      </p>
    </Card>
  );
}
