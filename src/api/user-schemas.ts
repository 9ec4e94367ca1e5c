// This node and its people: sign-in, who am I, a second factor, passwords, users,
// changes under the two-person rule, tokens.
import { Type as T } from '@sinclair/typebox';
import {
  Category,
  Code,
  Id,
  Instant,
  Marking,
  Nullable,
  named,
  RoleName,
  Roles,
  ref,
  Stamp,
} from './schemas.js';

// ------------------------------------------------------------------ bodies

export const SessionBody = T.Object(
  {
    username: T.String({ minLength: 1, maxLength: 200 }),
    password: T.String({ minLength: 1, maxLength: 1024 }),
    code: T.Optional(
      T.String({
        maxLength: 16,
        description: 'the one-time code (TOTP), when the account has one',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PasswordBody = T.Object(
  {
    password: T.Union([T.String({ minLength: 1, maxLength: 1024 }), T.Null()]),
    current: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 1024,
        description: 'your current password (to change your own)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CodeBody = T.Object(
  { code: T.String({ minLength: 1, maxLength: 16 }) },
  { additionalProperties: false },
);

/** To enrol a second factor: a current code of the one you have, to replace it. */
export const TotpBody = T.Object(
  { code: T.Optional(T.String({ minLength: 1, maxLength: 16 })) },
  { additionalProperties: false },
);

export const NoteBody = T.Object(
  { note: T.Optional(T.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const UserBody = T.Object(
  {
    username: Id,
    clearance: Code,
    needToKnow: T.Array(Category, { maxItems: 256 }),
    clearanceExpires: T.Optional(T.Union([Instant, T.Null()])),
    roles: Roles,
    password: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 1024,
        description: 'for the console; hashed with scrypt',
      }),
    ),
    token: T.Optional(
      T.Boolean({
        description:
          'also issue the first API token (shown once): in setup, or for someone whose rights the admin holds',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ClearanceBody = T.Object(
  {
    clearance: Code,
    needToKnow: T.Array(Category, { maxItems: 256 }),
    clearanceExpires: T.Optional(T.Union([Instant, T.Null()])),
  },
  { additionalProperties: false },
);

export const RolesBody = T.Object({ roles: Roles }, { additionalProperties: false });

export const TokenBody = T.Object(
  {
    label: T.String({ minLength: 1, maxLength: 100 }),
    expiresAt: T.Optional(T.Union([Instant, T.Null()])),
  },
  { additionalProperties: false },
);

// ------------------------------------------------------------------ answers

export const NodeInfo = named(
  T.Object(
    {
      party: T.String(),
      origin: T.String({ description: "the log's origin (C2SP checkpoint)" }),
      verifierKey: T.String({ description: "the log's note verifier key (the current one)" }),
      initialVerifierKey: T.String({
        description:
          "the verifier key the node was initialized with: the log's hand-overs (node.keys-rotated) lead from it to verifierKey",
      }),
      signingPublicKey: T.String({ description: 'PEM' }),
      logSize: T.Integer(),
      setup: T.Boolean({ description: 'in setup: one admin may still grant privileges alone' }),
      requireTotp: T.Boolean({ description: 'password sign-in needs a second factor' }),
    },
    { $id: 'NodeInfo' },
  ),
);

export const SetupEnded = named(T.Object({ setup: T.Literal(false) }, { $id: 'SetupEnded' }));

export const Session = named(
  T.Object(
    {
      token: T.String({ description: 'shown once; only its hash is stored' }),
      tokenId: T.String(),
      user: T.String(),
      party: T.String(),
      roles: T.Array(ref(RoleName)),
      expiresAt: Nullable(Stamp),
      enrolRequired: T.Boolean({
        description:
          'the node requires a second factor and this account has none yet: the token may only enrol one',
      }),
    },
    { $id: 'Session' },
  ),
);

export const TotpState = named(
  T.Object(
    {
      enrolled: T.Boolean({ description: 'this account has a second factor' }),
      required: T.Boolean({ description: 'the node requires one' }),
    },
    { $id: 'TotpState' },
  ),
);

export const Me = named(
  T.Object(
    {
      user: T.String(),
      party: T.String(),
      roles: T.Array(ref(RoleName), { description: 'none with an enrolment-only token' }),
      clearance: Nullable(ref(Marking)),
      needToKnow: T.Array(T.String()),
      scheme: T.Array(ref(Marking), {
        description: "the markings of the party's scheme, lowest first",
      }),
      totp: ref(TotpState),
      enrolRequired: T.Boolean({ description: 'the token may only enrol a second factor' }),
    },
    { $id: 'Me' },
  ),
);

export const TotpEnrolment = named(
  T.Object(
    {
      secret: T.String({ description: 'base32, to type into an authenticator by hand' }),
      uri: T.String({ description: 'otpauth://totp/…, for a QR code' }),
    },
    { $id: 'TotpEnrolment' },
  ),
);

export const TotpConfirmed = named(
  T.Object({ enrolled: T.Literal(true) }, { $id: 'TotpConfirmed' }),
);

export const PasswordSet = named(
  T.Object(
    { sessionsRevoked: T.Integer({ description: "the user's other sessions, now revoked" }) },
    { $id: 'PasswordSet' },
  ),
);

const userFields = {
  id: T.String(),
  party: T.String(),
  clearance: T.String({ description: "a marking code of the party's scheme" }),
  needToKnow: T.Array(T.String()),
  clearanceExpires: Nullable(Stamp),
  roles: T.Array(ref(RoleName)),
};

export const UserView = named(T.Object(userFields, { $id: 'UserView' }));

export const UserChange = named(
  T.Union(
    [
      T.Object({ kind: T.Literal('roles'), roles: T.Array(ref(RoleName)) }),
      T.Object({
        kind: T.Literal('clearance'),
        clearance: T.String(),
        needToKnow: T.Array(T.String()),
        clearanceExpires: Nullable(Stamp),
      }),
    ],
    { $id: 'UserChange' },
  ),
);

/** A change to a person's clearance or roles, and whether it waits for a second person. */
export const ChangeView = named(
  T.Object(
    {
      id: T.String(),
      user: T.String({ description: 'whom the change is about' }),
      change: ref(UserChange),
      proposedBy: T.String(),
      proposedAt: Stamp,
      status: T.Union([
        T.Literal('pending'),
        T.Literal('approved'),
        T.Literal('rejected'),
        T.Literal('withdrawn'),
      ]),
      decidedBy: Nullable(T.String()),
      decidedAt: Nullable(Stamp),
      note: Nullable(T.String()),
      approver: T.String({ description: 'who may approve it, in words' }),
    },
    { $id: 'ChangeView' },
  ),
);

export const ChangeOutcome = named(
  T.Object(
    {
      ...userFields,
      status: T.Union(
        [T.Literal('applied'), T.Literal('pending'), T.Literal('rejected'), T.Literal('withdrawn')],
        {
          description:
            'applied: in effect now; pending: waits for a second person (two-person rule); rejected or withdrawn: will not take effect',
        },
      ),
      change: Nullable(ref(ChangeView)),
    },
    { $id: 'ChangeOutcome' },
  ),
);

export const IssuedToken = named(
  T.Object(
    {
      id: T.String(),
      user: T.String(),
      token: T.String({ description: 'shown once; only its hash is stored' }),
      expiresAt: Nullable(Stamp),
    },
    { $id: 'IssuedToken' },
  ),
);

export const CreatedUser = named(
  T.Object(
    {
      ...userFields,
      pending: T.Array(ref(ChangeView), {
        description: 'what waits for a second person’s approval',
      }),
      token: T.Optional(ref(IssuedToken)),
    },
    { $id: 'CreatedUser' },
  ),
);

export const RevokedToken = named(
  T.Object({ id: T.String(), revokedAt: Nullable(Stamp) }, { $id: 'RevokedToken' }),
);
