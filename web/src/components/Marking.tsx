// Classification markings: a marking's native name (as the node returns it, in the
// viewer's party scheme), its English gloss in English, and banners coloured by level
// (US convention: TOP SECRET orange, SECRET red, CONFIDENTIAL blue, UNCLASSIFIED
// green), each with AA contrast between text and background.
import { useI18n } from '../i18n';
import type { Marking } from '../types';

export type Level = 'ts' | 's' | 'c' | 'r' | 'u' | 'unknown';

/** The level of a marking, from its English gloss (schemes differ; glosses align). */
function levelOf(m: Pick<Marking, 'en'>): Level {
  const en = m.en.toUpperCase();
  if (en.includes('TOP SECRET')) return 'ts';
  if (en.includes('UNCLASSIFIED')) return 'u';
  if (en.includes('SECRET')) return 's';
  if (en.includes('CONFIDENTIAL')) return 'c';
  if (en.includes('RESTRICTED')) return 'r';
  return 'unknown';
}

/** The marking's name for this reader: native, plus the English gloss in English. */
export function markingText(m: Marking, lang: string): string {
  if (lang !== 'en' || m.en === m.name) return m.name;
  return `${m.name} (${m.en})`;
}

export function MarkingName({ marking }: { readonly marking: Marking }) {
  const { lang } = useI18n();
  const showGloss = lang === 'en' && marking.en !== marking.name;
  return (
    <span className="marking-name" title={`${marking.party} ${marking.code}`}>
      <span lang={nativeLang(marking.party)}>{marking.name}</span>
      {showGloss ? <span className="gloss"> ({marking.en})</span> : null}
    </span>
  );
}

/** The language a party's native marking names are written in. */
function nativeLang(party: string): string | undefined {
  switch (party) {
    case 'JP':
      return 'ja';
    case 'KR':
      return 'ko';
    case 'US':
      return 'en';
    default:
      return undefined;
  }
}

/** A small coloured chip: the marking, coloured by its level. */
export function MarkingBadge({ marking }: { readonly marking: Marking }) {
  return (
    <span className={`badge level-${levelOf(marking)}`} data-level={levelOf(marking)}>
      <MarkingName marking={marking} />
    </span>
  );
}

/**
 * A classification banner as on a classified document: the local marking across the
 * page, with the originator's marking beside it when the item came from elsewhere.
 */
export function ClassificationBanner({
  marking,
  originator,
  testId,
}: {
  readonly marking: Marking;
  readonly originator?: Marking | undefined;
  readonly testId?: string;
}) {
  const { t } = useI18n();
  const foreign =
    originator !== undefined &&
    (originator.party !== marking.party || originator.code !== marking.code);
  return (
    <div
      className={`banner level-${levelOf(marking)}`}
      data-testid={testId}
      data-level={levelOf(marking)}
      role="note"
      aria-label={t('banner.label')}
    >
      <strong className="banner-main">
        <MarkingName marking={marking} />
      </strong>
      {foreign && originator !== undefined ? (
        <span className="banner-originator">
          {t('banner.originator', { party: originator.party })} <MarkingName marking={originator} />
        </span>
      ) : null}
    </div>
  );
}
