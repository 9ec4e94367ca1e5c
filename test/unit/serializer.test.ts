// The answer serializer (src/api/serializer.ts): a build sees only the named schemas it
// reaches, still sends only the fields a schema names, and one schema is built once.
import { describe, expect, it } from 'vitest';
import { buildSerializer, reachable } from '../../src/api/serializer.js';

const named = {
  Person: {
    $id: 'Person',
    type: 'object',
    properties: { name: { type: 'string' }, unit: { $ref: 'Unit' } },
  },
  Unit: { $id: 'Unit', type: 'object', properties: { code: { type: 'string' } } },
  Loop: {
    $id: 'Loop',
    type: 'object',
    properties: { next: { anyOf: [{ $ref: 'Loop#' }, { type: 'null' }] } },
  },
  Unrelated: { $id: 'Unrelated', type: 'object', properties: { x: { type: 'string' } } },
};

describe('answer serializers', () => {
  it('a build gets the named schemas its schema reaches, through one another, and no others', () => {
    expect(
      Object.keys(reachable({ type: 'array', items: { $ref: 'Person' } }, named)).sort(),
    ).toEqual(['Person', 'Unit']);
    expect(Object.keys(reachable({ $ref: 'Loop' }, named))).toEqual(['Loop']);
    expect(reachable({ type: 'string' }, named)).toEqual({});
  });

  it('sends only the fields the schema names, at every depth', () => {
    const compile = buildSerializer(named, {});
    const s = compile({ schema: { type: 'array', items: { $ref: 'Person' } } });
    const out = JSON.parse(
      s([{ name: 'Sato', secret: 'x', unit: { code: 'J2', clearance: 'KIMITSU' } }]),
    ) as unknown;
    expect(out).toEqual([{ name: 'Sato', unit: { code: 'J2' } }]);
  });

  it('builds one schema once, however many routes answer with it', () => {
    const compile = buildSerializer(named, {});
    const a = compile({ schema: { $ref: 'Unit' } });
    const b = compile({ schema: { $ref: 'Unit' } });
    const c = compile({ schema: { $ref: 'Person' } });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('a named schema answered whole is built from itself', () => {
    const s = buildSerializer(named, {})({ schema: named.Person });
    expect(JSON.parse(s({ name: 'Kim', unit: { code: 'K1', x: 1 }, y: 2 }))).toEqual({
      name: 'Kim',
      unit: { code: 'K1' },
    });
  });
});
