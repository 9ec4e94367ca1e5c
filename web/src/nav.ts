// The console's pages and who may see them (README, "The HTTP API": the roles each
// route names). Navigation lists only the pages the signed-in user's roles allow.
import type { MsgKey } from './i18n';
import type { Role } from './types';

export type PageId =
  | 'overview'
  | 'agreements'
  | 'alerts'
  | 'inbox'
  | 'outbox'
  | 'items'
  | 'consents'
  | 'audit'
  | 'people'
  | 'simulator'
  | 'account';

export interface PageDef {
  readonly id: PageId;
  /** The first path segment ('' for the overview). */
  readonly segment: string;
  readonly label: MsgKey;
  /** null: any signed-in user. */
  readonly roles: readonly Role[] | null;
  /** Left out of the navigation (reached another way: the account page from the header). */
  readonly inNav?: false;
}

const READERS: readonly Role[] = ['officer', 'releasing-authority', 'security-officer'];

export const PAGES: readonly PageDef[] = [
  { id: 'overview', segment: '', label: 'nav.overview', roles: null },
  { id: 'agreements', segment: 'agreements', label: 'nav.agreements', roles: null },
  { id: 'alerts', segment: 'alerts', label: 'nav.alerts', roles: READERS },
  { id: 'inbox', segment: 'inbox', label: 'nav.inbox', roles: READERS },
  {
    id: 'outbox',
    segment: 'outbox',
    label: 'nav.outbox',
    roles: ['releasing-authority', 'security-officer', 'auditor', 'admin'],
  },
  { id: 'items', segment: 'items', label: 'nav.items', roles: READERS },
  { id: 'consents', segment: 'consents', label: 'nav.consents', roles: READERS },
  {
    id: 'audit',
    segment: 'audit',
    label: 'nav.audit',
    roles: ['auditor', 'security-officer', 'admin'],
  },
  {
    id: 'people',
    segment: 'people',
    label: 'nav.people',
    roles: ['admin', 'security-officer'],
  },
  // The simulator is for policy work (POST /v1/simulate): those who give notices,
  // release, and guard access.
  {
    id: 'simulator',
    segment: 'simulator',
    label: 'nav.simulator',
    roles: ['admin', 'releasing-authority', 'security-officer'],
  },
  { id: 'account', segment: 'account', label: 'nav.account', roles: null, inNav: false },
];

export const mayOpen = (page: PageDef, roles: readonly Role[]): boolean =>
  page.roles === null || page.roles.some((r) => roles.includes(r));
