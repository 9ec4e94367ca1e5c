// What the federation asks of the layers above it, without knowing them: the alerts
// register an implementation at the composition root (src/app).
import type { ItemRecord } from '../core/index.js';
import type { Unit } from '../node/service.js';
import type { Message } from './messages.js';

/** What accepting an arriving item's content does, once the item is accepted here. */
export type OnAccepted = (u: Unit, item: ItemRecord, from: string) => Promise<void>;

/**
 * Structured content an item carries on the wire beside its text (a FLASH alert's CAP
 * payload), and the messages that belong to it (acknowledgements, escalations).
 */
export interface ContentPort {
  /**
   * Checks the content an arriving item carries; throws a LiaisonError naming what is
   * wrong. Returns what to do when the item is accepted here for the first time.
   */
  check(content: unknown): OnAccepted;
  /** The content to send with an item held here, if it has any. */
  contentOf(itemId: string): Promise<unknown>;
  /** An acknowledgement (at the originator) or an escalation (at a recipient). */
  message(
    u: Unit,
    m: Message<'alert.ack'> | Message<'alert.escalation'>,
  ): Promise<{ logIndex: number; message: string; itemId: string }>;
}
