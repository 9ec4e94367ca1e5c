// Where a map label goes: beside its point, on the side that keeps the whole label
// inside the frame (a label near the right edge is written leftwards, one near the
// bottom above its point), clear of the labels already placed; a long label is broken
// after its commas. Pure: the widths are measured by the map (or estimated here).

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type Anchor = 'start' | 'middle' | 'end';
export type Side = 'right-above' | 'right-below' | 'left-above' | 'left-below' | 'centre';

export interface Placed {
  /** Where the text's anchor sits, and the baseline of its first line. */
  readonly x: number;
  readonly y: number;
  readonly anchor: Anchor;
  readonly side: Side;
  /** The box the label covers. */
  readonly box: Box;
}

export interface LabelSpec {
  /** The point the label names. */
  readonly px: number;
  readonly py: number;
  /** The width of each line, and the line height (the font's size and some). */
  readonly widths: readonly number[];
  readonly lineHeight: number;
  /** The sides to try, best first. */
  readonly sides: readonly Side[];
  /** How far the label keeps from its point (the symbol's size). */
  readonly gap: number;
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  /** The least distance a label keeps from the frame's edges. */
  readonly margin: number;
}

/** An estimate of a line's width before it can be measured: CJK and Hangul are full-width. */
export function estimateWidth(text: string, fontSize: number): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c >= 0x1100 && c <= 0xffdc) w += fontSize;
    else if (ch === ' ' || ch === ',' || ch === '.') w += fontSize * 0.3;
    else w += fontSize * 0.62;
  }
  return w;
}

/**
 * The label's lines: one, or broken after commas and before brackets (else at spaces)
 * when wider than `maxWidth`, each line as full as fits.
 */
export function breakLines(
  text: string,
  maxWidth: number,
  width: (line: string) => number,
): string[] {
  if (width(text) <= maxWidth) return [text];
  // After a comma, or before a bracket ("Sea of Japan" / "(East Sea)"); else at spaces.
  const natural = text.split(/(?<=,)\s+|\s+(?=\()/);
  const pieces = natural.length > 1 ? natural : text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const p of pieces) {
    const next = line === '' ? p : `${line} ${p}`;
    if (line !== '' && width(next) > maxWidth) {
      lines.push(line);
      line = p;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function boxAt(spec: LabelSpec, side: Side): Omit<Placed, 'box'> & { box: Box } {
  const w = Math.max(0, ...spec.widths);
  const h = spec.lineHeight * Math.max(1, spec.widths.length);
  const { px, py, gap } = spec;
  // The text's ascent is about 0.8 of the line; the first baseline sits that far down.
  const ascent = spec.lineHeight * 0.8;
  const right = side === 'right-above' || side === 'right-below';
  const above = side === 'right-above' || side === 'left-above';
  if (side === 'centre') {
    const top = py - h / 2;
    return {
      x: px,
      y: top + ascent,
      anchor: 'middle',
      side,
      box: { x: px - w / 2, y: top, width: w, height: h },
    };
  }
  const top = above ? py - gap - h : py + gap * 0.6;
  const x = right ? px + gap : px - gap;
  return {
    x,
    y: top + ascent,
    anchor: right ? 'start' : 'end',
    side,
    box: { x: right ? x : x - w, y: top, width: w, height: h },
  };
}

export const inside = (b: Box, f: Frame): boolean =>
  b.x >= f.margin &&
  b.y >= f.margin &&
  b.x + b.width <= f.width - f.margin &&
  b.y + b.height <= f.height - f.margin;

export const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * The first side (of `spec.sides`) whose box is inside the frame and clear of `avoid`;
 * else the first inside the frame; else the first side moved inside the frame.
 */
export function placeLabel(spec: LabelSpec, frame: Frame, avoid: readonly Box[] = []): Placed {
  const tried = spec.sides.map((s) => boxAt(spec, s));
  const fits = tried.filter((p) => inside(p.box, frame));
  const clear = fits.find((p) => !avoid.some((a) => overlaps(a, p.box)));
  const chosen = clear ?? fits[0];
  if (chosen !== undefined) return chosen;
  const first = tried[0] ?? boxAt(spec, 'centre');
  // Nothing fits as it is: shift the best side into the frame (a label wider than the
  // frame starts at its left margin).
  const b = first.box;
  const dx =
    b.x < frame.margin
      ? frame.margin - b.x
      : Math.min(0, frame.width - frame.margin - (b.x + b.width));
  const dy =
    b.y < frame.margin
      ? frame.margin - b.y
      : Math.min(0, frame.height - frame.margin - (b.y + b.height));
  return {
    ...first,
    x: first.x + dx,
    y: first.y + dy,
    box: { ...b, x: b.x + dx, y: b.y + dy },
  };
}
