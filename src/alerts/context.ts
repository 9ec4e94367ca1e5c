// What every part of the alerts module works with: the node's federation, the
// officers' sockets, and the originator's escalation clock. AlertService is one.
import type { Federation } from '../federation/federation.js';
import type { LiaisonNode } from '../node/service.js';
import type { AlertRecord } from '../store/alerts.js';
import type { Escalations } from './escalation.js';
import type { AlertHub } from './hub.js';
import type { AlertPayload } from './model.js';

export interface AlertContext {
  readonly fed: Federation;
  readonly node: LiaisonNode;
  /** This node's party. */
  readonly party: string;
  readonly hub: AlertHub;
  readonly escalations: Escalations;
}

/** An alert as stored here. */
export type StoredAlert = AlertRecord<AlertPayload>;
