// The reason codes of RULES §5, with the rule each comes from. Decisions carry these
// codes; the CLI and API turn them into output in one place each.

const ALLOW_CODES = ['allowed', 'unclassified'] as const;

export const DENY_CODES = [
  'no-agreement',
  'agreement-not-in-force',
  'hub-route-required',
  'level-not-covered',
  'out-of-scope',
  'not-releasable',
  'consent-required',
  'consent-expired',
  'consent-revoked',
  'not-originator',
  'not-held',
  'clearance-insufficient',
  'clearance-expired',
  'need-to-know',
  'not-a-party',
  'no-pending-notice',
  'notice-already-pending',
  'unknown-party',
  'unknown-item',
  'unknown-user',
  'unknown-agreement',
  'unknown-marking',
  'unknown-consent',
  'already-held',
] as const;

export type AllowCode = (typeof ALLOW_CODES)[number];
export type DenyCode = (typeof DENY_CODES)[number];
export type ReasonCode = AllowCode | DenyCode;

export const RULE_IDS = [
  'L1',
  'L2',
  'L3',
  'L4',
  'L5',
  'L6',
  'L7',
  'L8',
  'L9',
  'R1',
  'R2',
  'R3',
  'R4',
  'R5',
  'R6',
  'F0',
  'F1',
  'F2',
  'F3',
  'F4',
  'F5',
  'A1',
  'A2',
  'A3',
  'A4',
  'P1',
  'V1',
  'C1',
  'X1',
] as const;
/** The rule ids of docs/rules.md; X1 is the compromise report (RULES §4, last paragraph). */
export type RuleId = (typeof RULE_IDS)[number];

const REASON_CODE_SET: ReadonlySet<string> = new Set<string>([...ALLOW_CODES, ...DENY_CODES]);

export function isReasonCode(s: string): s is ReasonCode {
  return REASON_CODE_SET.has(s);
}

export interface ReasonCodeInfo {
  readonly code: ReasonCode;
  readonly effect: 'allow' | 'deny';
  readonly rules: readonly RuleId[];
  readonly meaning: string;
}

export const REASON_CODES: readonly ReasonCodeInfo[] = [
  { code: 'allowed', effect: 'allow', rules: ['R5', 'F3', 'A3'], meaning: 'every check passed' },
  {
    code: 'unclassified',
    effect: 'allow',
    rules: ['R1', 'F0'],
    meaning: 'the item is at rank 0: it may go to any known party, without consent',
  },
  {
    code: 'no-agreement',
    effect: 'deny',
    rules: ['R2'],
    meaning: 'no agreement links the two parties at all',
  },
  {
    code: 'agreement-not-in-force',
    effect: 'deny',
    rules: ['R2', 'L1', 'L4', 'L7'],
    meaning: 'an agreement links the parties but none is in force at that instant',
  },
  {
    code: 'hub-route-required',
    effect: 'deny',
    rules: ['R3'],
    meaning:
      'under a hub agreement only hub↔spoke moves are direct; spoke→spoke goes through the hub',
  },
  {
    code: 'level-not-covered',
    effect: 'deny',
    rules: ['R4', 'C1'],
    meaning:
      "the sender's marking is in no equivalence row naming the recipient (on a reclassification: a holder keeps the highest marking its rows cover)",
  },
  {
    code: 'out-of-scope',
    effect: 'deny',
    rules: ['R4'],
    meaning: "a category of the item lies outside the agreement's scope",
  },
  {
    code: 'not-releasable',
    effect: 'deny',
    rules: ['R4'],
    meaning: "the recipient is not on the item's releasability list",
  },
  {
    code: 'consent-required',
    effect: 'deny',
    rules: ['F1'],
    meaning:
      'no consent of the originator names this item, holder and recipient (third-party rule)',
  },
  {
    code: 'consent-expired',
    effect: 'deny',
    rules: ['F1'],
    meaning: 'the newest consent naming this item, holder and recipient has expired',
  },
  {
    code: 'consent-revoked',
    effect: 'deny',
    rules: ['F1'],
    meaning: 'the newest consent naming this item, holder and recipient was revoked',
  },
  {
    code: 'not-originator',
    effect: 'deny',
    rules: ['F1', 'C1', 'L6'],
    meaning:
      'only the originator may consent or reclassify; only the party that gave a notice may suspend, resume or withdraw it',
  },
  {
    code: 'not-held',
    effect: 'deny',
    rules: ['F4', 'A1', 'P1'],
    meaning: 'the party does not hold the item',
  },
  {
    code: 'clearance-insufficient',
    effect: 'deny',
    rules: ['A2', 'P1'],
    meaning: "the user's clearance is below the item's marking in the user's own scheme",
  },
  {
    code: 'clearance-expired',
    effect: 'deny',
    rules: ['A2', 'P1'],
    meaning: "the user's clearance is not valid at that instant",
  },
  {
    code: 'need-to-know',
    effect: 'deny',
    rules: ['A3', 'P1'],
    meaning:
      "a category of the item is not in the user's need-to-know; clearance alone never suffices",
  },
  {
    code: 'not-a-party',
    effect: 'deny',
    rules: ['L6'],
    meaning: 'the acting party is not a party to the agreement',
  },
  {
    code: 'no-pending-notice',
    effect: 'deny',
    rules: ['L5', 'L6'],
    meaning:
      'no notice is pending in the state the action needs (active to suspend, suspended to resume)',
  },
  {
    code: 'notice-already-pending',
    effect: 'deny',
    rules: ['L6'],
    meaning: 'one pending notice per agreement at a time (a suspended notice is still pending)',
  },
  { code: 'unknown-party', effect: 'deny', rules: [], meaning: 'no such party' },
  { code: 'unknown-item', effect: 'deny', rules: [], meaning: 'no such item' },
  { code: 'unknown-user', effect: 'deny', rules: [], meaning: 'no such user' },
  { code: 'unknown-agreement', effect: 'deny', rules: [], meaning: 'no such agreement' },
  {
    code: 'unknown-marking',
    effect: 'deny',
    rules: [],
    meaning: "no such marking in the party's scheme",
  },
  { code: 'unknown-consent', effect: 'deny', rules: [], meaning: 'no such consent' },
  {
    code: 'already-held',
    effect: 'deny',
    rules: ['R6', 'F5'],
    meaning: 'the recipient already holds the item: a second copy is refused',
  },
];

const MEANING: ReadonlyMap<ReasonCode, string> = new Map(
  REASON_CODES.map((r) => [r.code, r.meaning]),
);

/** The generic meaning of a reason code (what a refusal says to someone who may not read the item). */
export function reasonMeaning(code: ReasonCode): string {
  return MEANING.get(code) ?? code;
}
