// Pages for a URL that names nothing, and for a page this user's roles do not open.
import { PageTitle, useRoleNames } from '../components/ui';
import { useI18n } from '../i18n';
import type { PageDef } from '../nav';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <div data-testid="page-not-found">
      <PageTitle>{t('notFound.title')}</PageTitle>
      <p>{t('notFound.body')}</p>
      <p>
        <a href="#/">{t('notFound.home')}</a>
      </p>
    </div>
  );
}

export function NotAllowedPage({ page }: { readonly page: PageDef }) {
  const { t } = useI18n();
  const roleNames = useRoleNames();
  return (
    <div data-testid="page-not-allowed">
      <PageTitle>{t('notAllowed.title', { page: t(page.label) })}</PageTitle>
      <p>
        {t('notAllowed.body', {
          roles: roleNames(page.roles ?? [], 'disjunction'),
        })}
      </p>
      <p>
        <a href="#/">{t('notFound.home')}</a>
      </p>
    </div>
  );
}
