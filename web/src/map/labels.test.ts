// Map labels: placed inside the frame (flipped near an edge), clear of labels already
// placed, broken after commas and before brackets; seas named the viewer's way.
import { describe, expect, it } from 'vitest';
import { translate } from '../i18n';
import { breakLines, estimateWidth, inside, overlaps, placeLabel, type Side } from './labels';
import { localPlaceName } from './places';

const FRAME = { width: 800, height: 600, margin: 4 };
const SIDES: readonly Side[] = ['right-above', 'left-above', 'right-below', 'left-below'];
const spec = (px: number, py: number, width = 150) => ({
  px,
  py,
  widths: [width],
  lineHeight: 17,
  sides: SIDES,
  gap: 12,
});

describe('placeLabel', () => {
  it('takes the first side when it fits', () => {
    const p = placeLabel(spec(400, 300), FRAME);
    expect(p.side).toBe('right-above');
    expect(p.anchor).toBe('start');
    expect(inside(p.box, FRAME)).toBe(true);
  });

  it('writes leftwards near the right edge and below near the top', () => {
    const right = placeLabel(spec(780, 300), FRAME);
    expect(right.side).toBe('left-above');
    expect(right.anchor).toBe('end');
    expect(inside(right.box, FRAME)).toBe(true);
    const corner = placeLabel(spec(790, 10), FRAME);
    expect(corner.side).toBe('left-below');
    expect(inside(corner.box, FRAME)).toBe(true);
  });

  it('keeps clear of a label already placed when another side fits', () => {
    const first = placeLabel(spec(400, 300), FRAME);
    const second = placeLabel(spec(405, 300), FRAME, [first.box]);
    expect(overlaps(first.box, second.box)).toBe(false);
    expect(inside(second.box, FRAME)).toBe(true);
  });

  it('moves a label that fits on no side into the frame', () => {
    // Wider than either side of a point in the middle of a narrow frame.
    const narrow = { width: 300, height: 200, margin: 4 };
    const p = placeLabel(spec(150, 100, 250), narrow);
    expect(inside(p.box, narrow)).toBe(true);
  });
});

describe('breakLines', () => {
  const w = (s: string) => estimateWidth(s, 14);
  it('keeps a short label on one line', () => {
    expect(breakLines('Sunan', 300, w)).toEqual(['Sunan']);
  });

  it('breaks after a comma, and before a bracket', () => {
    expect(breakLines('Sinpo, South Hamgyong', 120, w)).toEqual(['Sinpo,', 'South Hamgyong']);
    expect(breakLines('Sea of Japan (East Sea)', 110, w)).toEqual(['Sea of Japan', '(East Sea)']);
  });

  it('counts CJK and Hangul full-width', () => {
    expect(estimateWidth('동해', 10)).toBe(20);
    expect(estimateWidth('日本海', 10)).toBe(30);
    expect(estimateWidth('ab', 10)).toBeCloseTo(12.4);
  });
});

describe('localPlaceName', () => {
  const t = (lang: 'en' | 'ja' | 'ko') => (k: Parameters<typeof translate>[1]) =>
    translate(lang, k);
  it('names the sea between Japan and Korea by the viewer’s convention, whatever the sender wrote', () => {
    for (const area of ['Sea of Japan', 'East Sea', '日本海', '동해', 'sea of japan']) {
      expect(localPlaceName(area, t('ja'))).toBe('日本海');
      expect(localPlaceName(area, t('ko'))).toBe('동해');
      expect(localPlaceName(area, t('en'))).toBe('Sea of Japan (East Sea)');
    }
    expect(localPlaceName('Sea of Japan (East Sea)', t('ko'))).toBe('동해');
  });

  it('replaces only whole names and leaves the rest of the text as written', () => {
    expect(localPlaceName('Sea of Japan, 300 km west of Akita', t('ko'))).toBe(
      '동해, 300 km west of Akita',
    );
    expect(localPlaceName('Northeast Sea port', t('ko'))).toBe('Northeast Sea port');
    expect(localPlaceName('Sinpo, South Hamgyong', t('ja'))).toBe('Sinpo, South Hamgyong');
  });
});
