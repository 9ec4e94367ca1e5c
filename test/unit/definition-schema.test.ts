// The one schema of an agreement's definition (src/core/definition-schema.ts): every
// built-in template has its shape, and shapes the core cannot use are refused by it.
import { describe, expect, it } from 'vitest';
import {
  AgreementDefinitionSchema,
  BUILT_IN_TEMPLATES,
  firstSchemaError,
  isAgreementDefinition,
} from '../../src/core/index.js';

describe('AgreementDefinitionSchema', () => {
  it('accepts every built-in template', () => {
    for (const t of BUILT_IN_TEMPLATES.values()) {
      expect(firstSchemaError(AgreementDefinitionSchema, t), t.id).toBeNull();
      expect(isAgreementDefinition(t)).toBe(true);
    }
  });

  it('refuses what is not a definition, naming where', () => {
    const t = [...BUILT_IN_TEMPLATES.values()][0];
    if (t === undefined) throw new Error('no templates');
    for (const [bad, path] of [
      [{ ...t, parties: 'JP' }, '/parties'],
      [{ ...t, rows: [{ JP: [] }] }, '/rows/0'],
      [{ ...t, topology: { kind: 'star' } }, '/topology'],
      [{ ...t, surprise: 1 }, '/surprise'],
      [{ ...t, id: '../etc' }, '/id'],
      [null, ''],
    ] as const) {
      expect(isAgreementDefinition(bad)).toBe(false);
      expect(firstSchemaError(AgreementDefinitionSchema, bad)?.path).toContain(path);
    }
  });
});
