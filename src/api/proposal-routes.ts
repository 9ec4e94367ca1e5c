// Agreements between nodes: a definition or a change is a proposal, signed by each
// party; it binds (or applies) once all have signed.
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Federation } from '../federation/federation.js';
import {
  listProposals,
  proposeAgreement,
  proposeChange,
  signProposal,
} from '../federation/operations.js';
import { Unavailable } from '../node/errors.js';
import {
  ChangeBody,
  Proposal,
  ProposalBody,
  ProposalCreated,
  SignedChange,
  SignedDefinition,
} from './agreement-schemas.js';
import { ALL_ROLES, type App, type Auth, actorOf, type Errors, instant } from './common.js';
import { IdParams, ref } from './schemas.js';

/** A proposal as the store holds it, checked to be a definition or a change as signed. */
function proposalJson(
  p: Awaited<ReturnType<typeof listProposals>>[number],
): Static<typeof Proposal> {
  if (Value.Check(Proposal, [SignedDefinition, SignedChange], p)) return p;
  throw new Unavailable('internal', `the proposal ${p.id} is not a definition or a change`);
}

export function registerProposalRoutes(
  app: App,
  fed: Federation,
  auth: Auth,
  errors: Errors,
): void {
  const node = fed.node;

  app.get(
    '/v1/proposals',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary: 'Agreements and changes awaiting signatures, and those that bind',
        response: { 200: T.Array(ref(Proposal)), ...errors },
      },
    },
    async () => (await listProposals(fed)).map(proposalJson),
  );

  app.post(
    '/v1/agreements',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          'Propose an agreement (signed by this party); it binds once every party has signed',
        body: ProposalBody,
        response: { 201: ref(ProposalCreated), ...errors },
      },
    },
    async (req, reply) => {
      const id = await proposeAgreement(fed, actorOf(req), req.body.definition);
      return reply.status(201).send({ proposal: id });
    },
  );

  app.post(
    '/v1/proposals/:id/sign',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Countersign a proposal as this party',
        params: IdParams,
        response: { 200: ref(Proposal), ...errors },
      },
    },
    async (req) => proposalJson(await signProposal(fed, req.params.id)),
  );

  app.post(
    '/v1/agreements/:id/changes',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Propose a mutual termination or an amendment (all parties sign)',
        params: IdParams,
        body: ChangeBody,
        response: { 201: ref(ProposalCreated), ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const id = await proposeChange(fed, req.params.id, {
        kind: b.kind,
        effectiveAt: instant(b.effectiveAt, 'effectiveAt') ?? node.now(),
        rows: b.rows,
        scope: b.scope,
        noticePeriod: b.noticePeriod,
      });
      return reply.status(201).send({ proposal: id });
    },
  );
}
