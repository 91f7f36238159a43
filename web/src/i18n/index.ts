import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../locales/en.json';
import ja from '../locales/ja.json';
import type { Language } from '../../../src/domain/organisation.schema.js';

export const LANGUAGE_KEY = 'renkei.language';
export const isLanguage = (v: unknown): v is Language => v === 'ja' || v === 'en';

/** Before sign-in: what this browser chose last, else what it prefers (Japanese unless it asks for English first). */
export function initialLanguage(): Language {
  const stored = safeStorage()?.getItem(LANGUAGE_KEY);
  if (isLanguage(stored)) return stored;
  const first = navigator.languages.find((l) => /^(ja|en)\b/i.test(l));
  return first?.toLowerCase().startsWith('en') ? 'en' : 'ja';
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function applyLanguage(lng: Language, remember = true): void {
  if (remember) safeStorage()?.setItem(LANGUAGE_KEY, lng);
  document.documentElement.lang = lng;
  if (i18n.language !== lng) void i18n.changeLanguage(lng);
}

export const currentLanguage = (): Language => (isLanguage(i18n.language) ? i18n.language : 'ja');

void i18n.use(initReactI18next).init({
  resources: { ja: { translation: ja }, en: { translation: en } },
  lng: initialLanguage(),
  supportedLngs: ['ja', 'en'],
  // No fallback: a key missing in one language is a bug the key-parity test catches, not English on a Japanese screen.
  fallbackLng: false,
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
});
document.documentElement.lang = currentLanguage();

export default i18n;
