// Every message type the federation sends has a name in each of the console's
// languages (the outbox shows them): a new type without one fails here, not in front
// of an officer. The console's dictionaries are read as text (web/src is built apart);
// ja and ko are typed Record<MsgKey, string>, so a key en has and they lack fails the
// console's type check, and here each key must appear once per language.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES } from '../../src/federation/messages.js';

const I18N = readFileSync(join(import.meta.dirname, '../../web/src/i18n.ts'), 'utf8');

/** The values given to a key, in the order the dictionaries give them (en, ja, ko). */
function valuesOf(key: string): string[] {
  const re = new RegExp(`'${key.replace(/\./g, '\\.')}':\\s*'((?:[^'\\\\]|\\\\.)*)'`, 'g');
  return [...I18N.matchAll(re)].map((m) => m[1] ?? '');
}

describe('message types in the console', () => {
  it('the federation has message types to name', () => {
    expect(MESSAGE_TYPES.length).toBeGreaterThanOrEqual(14);
    expect(MESSAGE_TYPES).toContain('item');
    expect(MESSAGE_TYPES).toContain('relay');
  });

  it('each has a name in en, ja and ko, not the raw type', () => {
    const bad = MESSAGE_TYPES.flatMap((t) => {
      const names = valuesOf(`msgType.${t}`);
      return names.length === 3 && names.every((n) => n.trim() !== '' && n !== t)
        ? []
        : [`${t}: ${JSON.stringify(names)}`];
    });
    expect(bad).toEqual([]);
  });
});
