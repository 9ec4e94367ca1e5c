// What the API, the composition root and the alerts call across nodes: release and forward items,
// ask for and decide consents, sign agreements and changes, and see the inbox and the
// outbox. Each decides with the core, then writes, logs and queues its messages in one
// unit of work; each job is in its own file.
export {
  type ConsentRequestView,
  decideConsentRequest,
  listConsentRequests,
  requestConsent,
  revokeConsent,
} from './consents.js';
export {
  type ChangeRequest,
  listProposals,
  type ProposalView,
  proposeAgreement,
  proposeChange,
  signProposal,
} from './proposals.js';
export {
  MAX_RECIPIENTS,
  type Sent,
  type SentTo,
  sendInUnit,
  sendItem,
  sendItemToEach,
} from './release.js';
export {
  type InboxEntry,
  listInbox,
  listOutbox,
  type OutboxEntry,
  outboxEnvelope,
} from './views.js';
