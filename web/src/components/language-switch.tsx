import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../../../src/domain/organisation.schema.js';
import { useSession } from '../session';

/** Each language named in itself, so either reader finds theirs. */
const NAMES: Record<Language, string> = { ja: '日本語', en: 'English' };

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const { setLanguage } = useSession();
  return (
    <div className="language-switch" role="group" aria-label={t('language.label')}>
      {LANGUAGES.map((lng) => (
        <button
          key={lng}
          type="button"
          lang={lng}
          aria-pressed={i18n.language === lng}
          onClick={() => void setLanguage(lng)}
        >
          {NAMES[lng]}
        </button>
      ))}
    </div>
  );
}
