import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Loading } from './components/common';
import { LanguageSwitch } from './components/language-switch';
import { Link, match, navigate, useLocation } from './router';
import { SignInScreen } from './screens/sign-in';
import { ForgotPasswordScreen, ResetPasswordScreen } from './screens/password-reset';
import { TriageScreen } from './screens/triage';
import { rolesMay } from '../../src/domain/capabilities.js';
import { useSession } from './session';

// The first screen after sign-in is the triage queue; the others load when opened.
const DashboardScreen = lazy(() => import('./screens/dashboard').then((m) => ({ default: m.DashboardScreen })));
const IncidentScreen = lazy(() => import('./screens/incident').then((m) => ({ default: m.IncidentScreen })));
const IncidentListScreen = lazy(() => import('./screens/incident-list').then((m) => ({ default: m.IncidentListScreen })));
const ReportScreen = lazy(() => import('./screens/report').then((m) => ({ default: m.ReportScreen })));
const SearchScreen = lazy(() => import('./screens/search').then((m) => ({ default: m.SearchScreen })));
// The public report form and its status page: no sign-in; OpenPGP.js loads only there.
const ReportFormScreen = lazy(() => import('./screens/report-form').then((m) => ({ default: m.ReportFormScreen })));
const ReportStatusScreen = lazy(() => import('./screens/report-form').then((m) => ({ default: m.ReportStatusScreen })));
const DirectoryScreen = lazy(() => import('./screens/directory').then((m) => ({ default: m.DirectoryScreen })));
const RulesScreen = lazy(() => import('./screens/rules').then((m) => ({ default: m.RulesScreen })));
const PlaybooksScreen = lazy(() => import('./screens/playbooks').then((m) => ({ default: m.PlaybooksScreen })));
const TemplatesScreen = lazy(() => import('./screens/templates').then((m) => ({ default: m.TemplatesScreen })));
const StatisticsScreen = lazy(() => import('./screens/statistics').then((m) => ({ default: m.StatisticsScreen })));
// Administration: accounts (administrators), my API tokens (everyone), the audit log (auditors, administrators).
const AccountsScreen = lazy(() => import('./screens/admin-accounts').then((m) => ({ default: m.AccountsScreen })));
const TokensScreen = lazy(() => import('./screens/admin-tokens').then((m) => ({ default: m.TokensScreen })));
const AuditScreen = lazy(() => import('./screens/audit').then((m) => ({ default: m.AuditScreen })));
// The mail spool: mail acknowledged and not yet a report (leads, administrators).
const IntakeSpoolScreen = lazy(() => import('./screens/intake-spool').then((m) => ({ default: m.IntakeSpoolScreen })));
// The public status page (numbers only, no sign-in; shown when the team publishes it).
const PublicStatusScreen = lazy(() => import('./screens/public-status').then((m) => ({ default: m.PublicStatusScreen })));

export function App() {
  const { state } = useSession();
  const { t } = useTranslation();
  const { path } = useLocation();
  if (path === '/report' || path === '/status')
    return (
      <Suspense fallback={<Loading />}>
        {path === '/report' ? <ReportFormScreen /> : <ReportStatusScreen />}
      </Suspense>
    );
  if (path === '/public-status')
    return (
      <Suspense fallback={<Loading />}>
        <PublicStatusScreen />
      </Suspense>
    );
  // The e-mailed reset link works whether or not someone is signed in on this browser.
  if (path === '/reset-password') return <ResetPasswordScreen />;
  if (path === '/forgot-password' && state.status !== 'signed-in') return <ForgotPasswordScreen />;
  if (state.status === 'loading')
    return (
      <main id="main" className="centred">
        <Loading />
      </main>
    );
  if (state.status !== 'signed-in') return <SignInScreen />;
  return (
    <>
      <a href="#main" className="skip-link">
        {t('nav.skip')}
      </a>
      <Header />
      <Suspense
        fallback={
          <main id="main">
            <Loading />
          </main>
        }
      >
        <Screen />
      </Suspense>
    </>
  );
}

function Screen() {
  const { path } = useLocation();
  const { t } = useTranslation();
  let m: Record<string, string> | null;
  useEffect(() => {
    document.title = `Renkei — ${t('title.app')}`;
  }, [t]);
  if (path === '/' || path === '/dashboard') return <DashboardScreen />;
  if (path === '/triage') return <TriageScreen />;
  if (path === '/incidents') return <IncidentListScreen />;
  if ((m = match('/incidents/:id', path))) return <IncidentScreen key={m.id} id={m.id!} />;
  if ((m = match('/reports/:id', path))) return <ReportScreen key={m.id} id={m.id!} />;
  if (path === '/search') return <SearchScreen />;
  if (path === '/directory') return <DirectoryScreen />;
  if (path === '/rules') return <RulesScreen />;
  if (path === '/playbooks') return <PlaybooksScreen />;
  if (path === '/templates') return <TemplatesScreen />;
  if (path === '/statistics') return <StatisticsScreen />;
  if (path === '/accounts') return <AccountsScreen />;
  if (path === '/tokens') return <TokensScreen />;
  if (path === '/audit') return <AuditScreen />;
  if (path === '/intake-spool') return <IntakeSpoolScreen />;
  return (
    <main id="main">
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link to="/">{t('nav.dashboard')}</Link>
      </p>
    </main>
  );
}

function Header() {
  const { t } = useTranslation();
  const { state, signOut } = useSession();
  const { path, query } = useLocation();
  const [q, setQ] = useState(path === '/search' ? (query.get('q') ?? '') : '');
  const account = state.status === 'signed-in' ? state.account : null;
  const search = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/search?q=${encodeURIComponent(q.trim())}`);
  };
  const nav: [string, string][] = [
    ['/', t('nav.dashboard')],
    ['/triage', t('nav.triage')],
    ['/incidents', t('nav.incidents')],
    ['/search', t('nav.search')],
    ['/directory', t('nav.directory')],
    // Statistics are for the team's staff (capability statistics.read), not partners.
    ...(account?.roles.some((r) => r !== 'partner') ? ([['/statistics', t('nav.statistics')]] as [string, string][]) : []),
    // Playbooks and escalation rules: the team's staff read them (steering.read), leads edit them.
    ...(account?.roles.some((r) => r !== 'partner')
      ? ([
          ['/playbooks', t('nav.playbooks')],
          ['/rules', t('nav.rules')],
        ] as [string, string][])
      : []),
    // Message templates: the team's staff read them (coordination.read), leads edit them (template.write).
    ...(account?.roles.some((r) => r !== 'partner') ? ([['/templates', t('nav.templates')]] as [string, string][]) : []),
    // Accounts for administrators (account.admin); the audit log for auditors and administrators (audit.read).
    ...(account?.roles.includes('administrator') ? ([['/accounts', t('nav.accounts')]] as [string, string][]) : []),
    ...(account?.roles.some((r) => r === 'administrator' || r === 'auditor') ? ([['/audit', t('nav.audit')]] as [string, string][]) : []),
    // The mail spool for leads and administrators (intake.spool).
    ...(account && rolesMay(account.roles, 'intake.spool') ? ([['/intake-spool', t('nav.spool')]] as [string, string][]) : []),
    // Everyone's own API tokens.
    ['/tokens', t('nav.tokens')],
  ];
  const current = (to: string) => (to === '/' ? path === '/' || path === '/dashboard' : path.startsWith(to));
  return (
    <header className="app-header">
      <Link to="/" className="brand">
        <span translate="no">Renkei</span> <span lang="ja">連携</span>
      </Link>
      <nav aria-label={t('nav.label')}>
        <ul>
          {nav.map(([to, label]) => (
            <li key={to}>
              <Link to={to} aria-current={current(to) ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <form className="header-search" role="search" onSubmit={search}>
        <label htmlFor="header-q" className="visually-hidden">
          {t('search.label')}
        </label>
        <input id="header-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('search.placeholder')} />
      </form>
      <div className="header-user">
        <span className="user-name" translate="no" title={account?.email}>
          {account?.displayName}
        </span>
        <LanguageSwitch />
        <button type="button" onClick={() => void signOut().then(() => navigate('/'))}>
          {t('nav.signOut')}
        </button>
      </div>
    </header>
  );
}
