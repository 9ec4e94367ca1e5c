// The launch alert's payload rules, precedence on items, and the CAP 1.2 export
// (validated with xmllint against a copy of the OASIS schema in test/vectors).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapInput, capTime, toCap } from '../../src/alerts/cap.js';
import {
  AlertInvalid,
  type AlertPayload,
  checkAlertPayload,
  compass,
  completeAlert,
  describe as describeAlert,
  launchPreset,
} from '../../src/alerts/model.js';
import {
  BUILT_IN_PARTIES,
  DefinitionError,
  PRECEDENCES,
  parseInstant,
  precedenceRank,
  World,
} from '../../src/core/index.js';

const NOW = parseInstant('2019-11-23T05:30:00+09:00').ms;
// A copy of ../shared/reference/CAP-v1.2.xsd (OASIS), so that the tests run wherever the
// repository is checked out.
const CAP_XSD = resolve(import.meta.dirname, '../vectors/CAP-v1.2.xsd');
const complete = (input: unknown) => completeAlert(input, { now: NOW, ackWithinMs: 60_000 });

function problem(input: unknown): AlertInvalid {
  try {
    complete(input);
  } catch (e) {
    if (e instanceof AlertInvalid) return e;
    throw e;
  }
  throw new Error('expected the alert to be refused');
}

/** Validates CAP documents with xmllint, all in one process. */
function xmllint(docs: readonly string[]): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'liaison-cap-unit-'));
  const files = docs.map((d, i) => {
    const f = join(dir, `${i}.xml`);
    writeFileSync(f, d);
    return f;
  });
  const r = spawnSync('xmllint', ['--noout', '--schema', CAP_XSD, ...files], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const KR_II = { party: 'KR', code: 'II', name: '군사II급비밀', en: 'SECRET' };
const JP_GOKUHI = { party: 'JP', code: 'GOKUHI', name: '極秘', en: 'SECRET' };

function capInput(alert: AlertPayload, over: Partial<CapInput> = {}): CapInput {
  return {
    id: 'jp-alert-1',
    originator: 'JP',
    sender: 'liaison.example/JP',
    precedence: 'FLASH',
    marking: KR_II,
    originatorMarking: JP_GOKUHI,
    releasableTo: null,
    alert,
    referenceSent: new Map(),
    ...over,
  };
}

describe('precedence (ACP 121) on every item', () => {
  it('orders FLASH, IMMEDIATE, PRIORITY, ROUTINE; items default to ROUTINE; unknown ones are refused', () => {
    expect(PRECEDENCES.map(precedenceRank)).toEqual([0, 1, 2, 3]);
    const w = World.create({ parties: [...BUILT_IN_PARTIES.values()] });
    const routine = w.addItem({ id: 'a', originator: 'JP', marking: 'HI', categories: ['x'] });
    const flash = w.addItem({
      id: 'b',
      originator: 'JP',
      marking: 'HI',
      categories: ['x'],
      precedence: 'FLASH',
    });
    expect([routine.precedence, flash.precedence]).toEqual(['ROUTINE', 'FLASH']);
    expect(() =>
      w.addItem({
        id: 'c',
        originator: 'JP',
        marking: 'HI',
        categories: ['x'],
        precedence: 'URGENT' as 'FLASH',
      }),
    ).toThrow(DefinitionError);
  });
});

describe('the launch alert payload', () => {
  it('the preset is a valid alert; completed, it is a first Alert sent now', () => {
    const a = complete(launchPreset(NOW));
    expect(a).toMatchObject({
      kind: 'missile-launch',
      msgType: 'Alert',
      references: [],
      sent: '2019-11-22T20:30:00Z',
      ackWithinMs: 60_000,
    });
    expect(checkAlertPayload(a)).toBe(a);
    expect(describeAlert(a)).toMatch(/2 × SRBM launched from Sunan, Pyongyang toward ENE/);
  });

  it('refuses sensor identity and sensor location at any depth, naming the field', () => {
    const p = launchPreset(NOW);
    for (const [input, field] of [
      [{ ...p, sensorId: 'TPY-2 #1' }, 'alert.sensorId'],
      [{ ...p, launch: { ...p.launch, radarSite: 'Kyogamisaki' } }, 'alert.launch.radarSite'],
      [{ ...p, impact: { ...p.impact, satellitePass: 3 } }, 'alert.impact.satellitePass'],
      [{ ...p, detectionSource: 'Aegis' }, 'alert.detectionSource'],
    ] as const) {
      const e = problem(input);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(/warning fields only/);
    }
    // Also when it arrives from a partner.
    expect(() => checkAlertPayload({ ...complete(p), platform: { lat: 35, lon: 135 } })).toThrow(
      /alert\.platform: sensor identity/,
    );
  });

  it('refuses other unknown fields and bad values, naming the field', () => {
    const p = launchPreset(NOW);
    expect(problem({ ...p, colour: 'red' }).message).toMatch(/^alert/);
    expect(problem({ ...p, count: 0 }).field).toBe('alert.count');
    expect(problem({ ...p, launch: { ...p.launch, lat: 91 } }).field).toBe('alert.launch.lat');
    expect(problem({ ...p, bearingDeg: 360 }).field).toBe('alert.bearingDeg');
    expect(problem({ ...p, confidence: 'certain' }).field).toBe('alert.confidence');
    expect(problem({ ...p, launchedAt: '2019-11-23 05:29' }).field).toBe('alert.launchedAt');
    expect(problem({ ...p, detectedAt: '2019-11-22T20:00:00Z' }).message).toMatch(
      /detected before it happens/,
    );
    expect(
      problem({
        ...p,
        launchedAt: '2019-11-23T06:30:00+09:00',
        detectedAt: '2019-11-23T06:31:00+09:00',
      }).message,
    ).toMatch(/in the future/);
  });

  it('supersession: an Alert references nothing; an Update, correction or Cancel names what it supersedes', () => {
    const p = launchPreset(NOW);
    expect(problem({ ...p, references: ['x'], msgType: 'Alert' }).field).toBe('alert.references');
    expect(problem({ ...p, msgType: 'Update' }).field).toBe('alert.references');
    expect(problem({ ...p, msgType: 'Cancel' }).field).toBe('alert.references');
    expect(problem({ ...p, final: true }).field).toBe('alert.msgType');
    expect(complete({ ...p, references: ['jp-alert-1'] }).msgType).toBe('Update');
    expect(complete({ ...p, references: ['jp-alert-1'], correction: true })).toMatchObject({
      msgType: 'Update',
      correction: true,
    });
    expect(complete({ ...p, references: ['jp-alert-1'], msgType: 'Cancel' }).msgType).toBe(
      'Cancel',
    );
  });

  it('bearings read as the 16 compass points', () => {
    expect([0, 75, 90, 180, 270, 348.75, 359].map(compass)).toEqual([
      'N',
      'ENE',
      'E',
      'S',
      'W',
      'N',
      'N',
    ]);
  });
});

describe('CAP 1.2 export', () => {
  it('capTime: seconds, explicit +00:00, no fraction (the schema’s pattern)', () => {
    expect(capTime(parseInstant('2019-11-23T05:30:12.345+09:00').ms)).toBe(
      '2019-11-22T20:30:12+00:00',
    );
  });

  it('an Alert, an Update with references, a correction and a Cancel all validate against CAP-v1.2.xsd', () => {
    const first = complete(launchPreset(NOW));
    const update = complete({ ...launchPreset(NOW), references: ['jp-alert-1'], final: true });
    const correction = complete({
      ...launchPreset(NOW),
      references: ['jp-alert-2'],
      correction: true,
      remarks: 'Impact area <corrected> & "restated"',
    });
    const cancel = complete({
      ...launchPreset(NOW),
      references: ['jp-alert-3'],
      msgType: 'Cancel',
    });
    const docs = [
      toCap(capInput(first)),
      toCap(
        capInput(update, {
          referenceSent: new Map([['jp-alert-1', '2019-11-22T20:29:00Z']]),
          releasableTo: ['JP', 'KR', 'US'],
        }),
      ),
      toCap(capInput(correction)),
      toCap(capInput(cancel, { marking: JP_GOKUHI })),
    ];
    const r = xmllint(docs);
    expect(r.status, r.stderr).toBe(0);
    expect(docs[0]).toContain('<scope>Restricted</scope>');
    expect(docs[0]).toContain(
      '<restriction>KR 군사II급비밀 (II, SECRET); originator JP 極秘 (GOKUHI, SECRET);',
    );
    expect(docs[1]).toContain(
      '<references>liaison.example/JP,jp-alert-1,2019-11-22T20:29:00+00:00</references>',
    );
    expect(docs[1]).toContain('REL TO JP, KR, US');
    expect(docs[2]).toContain('<note>correction of the referenced message</note>');
    expect(docs[2]).toContain('&lt;corrected&gt; &amp; &quot;restated&quot;');
    expect(docs[3]).toContain('<msgType>Cancel</msgType>');
    // At the originator, the restriction shows its own marking once.
    expect(docs[3]).not.toContain('originator JP');
  });

  it('every valid alert exports to valid CAP carrying its warning fields and nothing else (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
    const arb = fc.record({
      status: fc.constantFrom('Actual', 'Exercise', 'Test'),
      launch: fc.record({
        lat: fc.double({ min: -90, max: 90, noNaN: true }),
        lon: fc.double({ min: -180, max: 180, noNaN: true }),
        area: text,
      }),
      count: fc.integer({ min: 1, max: 100 }),
      bearingDeg: fc.double({ min: 0, max: 359.99, noNaN: true }),
      assessedType: text,
      apogeeKm: fc.integer({ min: 0, max: 10_000 }),
      distanceKm: fc.integer({ min: 0, max: 20_000 }),
      impact: fc.record({
        lat: fc.double({ min: -90, max: 90, noNaN: true }),
        lon: fc.double({ min: -180, max: 180, noNaN: true }),
        area: text,
        insideJapanEez: fc.boolean(),
      }),
      confidence: fc.constantFrom('high', 'medium', 'low'),
      remarks: fc.string({ maxLength: 80 }),
    });
    const docs: string[] = [];
    fc.assert(
      fc.property(arb, (x) => {
        const a = complete({ ...launchPreset(NOW), ...x });
        const xml = toCap(capInput(a));
        // Only CAP's own elements; a stray field would be a leak.
        const names = new Set([...xml.matchAll(/<([a-zA-Z]+)[ >]/g)].map((m) => m[1]));
        for (const n of names) {
          expect([
            'alert',
            'identifier',
            'sender',
            'sent',
            'status',
            'msgType',
            'scope',
            'restriction',
            'code',
            'note',
            'references',
            'info',
            'language',
            'category',
            'event',
            'urgency',
            'severity',
            'certainty',
            'onset',
            'senderName',
            'headline',
            'description',
            'parameter',
            'valueName',
            'value',
            'area',
            'areaDesc',
            'circle',
          ]).toContain(n);
        }
        docs.push(xml);
      }),
      { numRuns: 60, seed: 20191123 },
    );
    const r = xmllint(docs);
    expect(r.status, r.stderr).toBe(0);
  });
});
