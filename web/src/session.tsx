import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, setCsrfToken, setOnUnauthenticated } from './api/client';
import type { Account, Me, NextStep } from './api/types';
import { applyLanguage, currentLanguage } from './i18n';
import type { Language } from '../../src/domain/organisation.schema.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: 'expired' }
  | { status: 'second-factor'; account: Account; next: Exclude<NextStep, 'done'> }
  | { status: 'signed-in'; account: Account };

interface SessionApi {
  state: SessionState;
  signIn: (email: string, password: string) => Promise<void>;
  passSecondFactor: (code: string) => Promise<void>;
  enrolTotp: () => Promise<{ secret: string; uri: string }>;
  confirmTotp: (code: string) => Promise<string[]>;
  finishEnrolment: () => Promise<void>;
  signOut: () => Promise<void>;
  setLanguage: (lng: Language) => Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function useSession(): SessionApi {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in account (only on screens behind sign-in). */
export function useAccount(): Account {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('not signed in');
  return state.account;
}

/** Whether the language was chosen on the sign-in screen in this visit: then it is saved to the account. */
let chosenBeforeSignIn = false;

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const arrive = useCallback(async (me: Me) => {
    setCsrfToken(me.csrfToken);
    if (me.next !== 'done') {
      setState({ status: 'second-factor', account: me.account, next: me.next });
      return;
    }
    let account = me.account;
    if (chosenBeforeSignIn && account.language !== currentLanguage()) {
      account = await api<Account>('PATCH', '/api/auth/me', { language: currentLanguage() });
    }
    chosenBeforeSignIn = false;
    applyLanguage(account.language);
    setState({ status: 'signed-in', account });
  }, []);

  const refresh = useCallback(async () => {
    try {
      await arrive(await api<Me>('GET', '/api/auth/me'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ status: 'signed-out' });
      else throw err;
    }
  }, [arrive]);

  useEffect(() => {
    refresh().catch(() => setState({ status: 'signed-out' }));
    setOnUnauthenticated(() => setState({ status: 'signed-out', reason: 'expired' }));
    return () => setOnUnauthenticated(null);
  }, [refresh]);

  const value = useMemo<SessionApi>(
    () => ({
      state,
      async signIn(email, password) {
        const res = await api<Me>('POST', '/api/auth/sign-in', { email, password });
        await arrive(res);
      },
      async passSecondFactor(code) {
        await api<undefined>('POST', '/api/auth/second-factor', { code });
        await refresh();
      },
      enrolTotp: () => api<{ secret: string; uri: string }>('POST', '/api/auth/totp/enrol'),
      async confirmTotp(code) {
        const res = await api<{ recoveryCodes: string[] }>('POST', '/api/auth/totp/confirm', { code });
        return res.recoveryCodes;
      },
      finishEnrolment: refresh,
      async signOut() {
        try {
          await api<undefined>('POST', '/api/auth/sign-out');
        } finally {
          setCsrfToken(null);
          setState({ status: 'signed-out' });
        }
      },
      async setLanguage(lng) {
        applyLanguage(lng);
        if (state.status === 'signed-in') {
          const account = await api<Account>('PATCH', '/api/auth/me', { language: lng });
          setState({ status: 'signed-in', account });
        } else chosenBeforeSignIn = true;
      },
    }),
    [state, arrive, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
