// The language switcher: English, 日本語, 한국어 (remembered in localStorage).
import { useId } from 'react';
import { isLang, LANGS, useI18n } from '../i18n';

export function LanguageSelect() {
  const { lang, setLang, t } = useI18n();
  const id = useId();
  return (
    <span className="lang-select">
      <label htmlFor={id}>{t('shell.language')}</label>
      <select
        id={id}
        value={lang}
        data-testid="language-select"
        onChange={(e) => {
          if (isLang(e.target.value)) setLang(e.target.value);
        }}
      >
        {LANGS.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </span>
  );
}
