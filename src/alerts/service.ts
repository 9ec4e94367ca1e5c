// FLASH alerts on a node, one job a file: sending (send.ts), what arrives from
// partners through the federation's content port (inbound.ts), officers'
// acknowledgements (acknowledge.ts), escalation at the originator (escalation.ts), and
// what officers see (views.ts). AlertService puts them together for the composition
// root, the API and the demo.
import type { Federation } from '../federation/federation.js';
import type { ContentPort } from '../federation/ports.js';
import type { Actor } from '../node/roles.js';
import type { LiaisonNode } from '../node/service.js';
import type { Page } from '../node/visibility.js';
import { type AckResult, acknowledge } from './acknowledge.js';
import type { AlertContext } from './context.js';
import { Escalations } from './escalation.js';
import { AlertHub } from './hub.js';
import { arrived, checkArriving, contentOf } from './inbound.js';
import { type SendAlert, type SentAlert, sendAlert } from './send.js';
import { type AlertDetail, type AlertView, capOf, listAlerts, showAlert } from './views.js';

export type { Release } from './send.js';
export type { AlertView } from './views.js';

export interface AlertOptions {
  /** How long partners have to acknowledge before the originator escalates (ms). */
  readonly ackDeadlineMs?: number;
  /** Escalations before the originator stops pushing again. */
  readonly maxEscalations?: number;
  /** How often due escalations are looked for (ms). */
  readonly tickMs?: number;
}

export class AlertService implements ContentPort, AlertContext {
  readonly hub: AlertHub;
  readonly escalations: Escalations;
  private readonly ackDeadlineMs: number;

  constructor(
    readonly fed: Federation,
    options: AlertOptions = {},
  ) {
    this.ackDeadlineMs = options.ackDeadlineMs ?? 60_000;
    this.hub = new AlertHub(fed.node);
    this.escalations = new Escalations(fed, {
      maxEscalations: options.maxEscalations ?? 3,
      tickMs: options.tickMs ?? 200,
    });
  }

  get node(): LiaisonNode {
    return this.fed.node;
  }

  get party(): string {
    return this.fed.party;
  }

  /**
   * Starts the fan-out (the other instances' events) and the escalation clock, which
   * loads the alerts still waiting for acknowledgements.
   */
  start(): Promise<void> {
    this.hub.start();
    return this.escalations.start();
  }

  stop(): void {
    this.escalations.stop();
    this.hub.stop();
  }

  /** Creates a FLASH alert and releases it to each recipient (RULES R1–R5) in one unit. */
  send(actor: Actor, input: SendAlert): Promise<SentAlert> {
    return sendAlert(this, actor, input, this.ackDeadlineMs);
  }

  /** An officer acknowledges an alert; sent back signed to its originator. */
  acknowledge(actor: Actor, id: string): Promise<AckResult> {
    return acknowledge(this, actor, id);
  }

  /** The alerts the officer may read (RULES V1), newest first; logged. */
  list(actor: Actor, p: Page): Promise<AlertView[]> {
    return listAlerts(this, actor, p);
  }

  /** One alert with its acknowledgements (and, at the originator, each party's status). */
  show(actor: Actor, id: string): Promise<AlertDetail> {
    return showAlert(this, actor, id);
  }

  /** CAP 1.2 XML of an alert, as this node may show it to this officer (a logged read). */
  cap(actor: Actor, id: string): Promise<string> {
    return capOf(this, actor, id);
  }

  // The federation's content port.
  readonly check: ContentPort['check'] = (content) => checkArriving(this, content);
  readonly contentOf: ContentPort['contentOf'] = (itemId) => contentOf(this, itemId);
  readonly message: ContentPort['message'] = (u, m) => arrived(this, u, m);
}
