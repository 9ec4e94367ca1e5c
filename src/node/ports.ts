// What the node asks of the layers above it, without knowing them: they register an
// implementation at the composition root (src/app). A node alone (no federation)
// keeps the defaults, which tell nobody.
import type { EpochMs, ItemRecord, NoticeActionKind } from '../core/index.js';
import type { Unit } from './service.js';

/** A compromise report as stored: whose copy, who told us, when, and what they said. */
export interface CompromiseReport {
  readonly id: string;
  readonly item: string;
  /** The party whose copy was compromised. */
  readonly party: string;
  /** The person who reported it here, or the partner that told us. */
  readonly reportedBy: string;
  readonly at: EpochMs;
  readonly note: string;
}

/** Tells partners what changed here; each call runs inside the unit that changed it. */
export interface Notifier {
  /** This party gave, suspended, resumed or withdrew a notice at `at`. */
  noticeAction(u: Unit, agreement: string, action: NoticeActionKind, at: EpochMs): Promise<void>;
  /**
   * An item was reclassified (by its originator): tell those this party gave it to, but
   * `except` (the party that told us), passing the originator's signed `manifest` of
   * the new version on unchanged.
   */
  reclassified(u: Unit, item: ItemRecord, manifest: string, except: string | null): Promise<void>;
  /** A compromise was recorded here (GSOMIA Art. 17): tell whom the article names. */
  compromised(u: Unit, item: ItemRecord, report: CompromiseReport): Promise<void>;
}

/** A node with no partners tells nobody. */
export const NOBODY: Notifier = {
  noticeAction: async () => {},
  reclassified: async () => {},
  compromised: async () => {},
};
