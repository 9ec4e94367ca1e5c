// For admins, while the node is in setup (GET /v1/node `setup`): one admin may still
// grant privileged roles and top-level clearances alone. Ending setup (POST
// /v1/setup/end) makes every such change take two people.
import { useState } from 'react';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { forgetNodeIdentity, nodeIdentity } from '../nodeInfo';
import { hasRole, useSession } from '../session';
import { ErrorMessage } from './ui';

export function SetupBanner() {
  const { session } = useSession();
  if (!hasRole(session, 'admin')) return null;
  return <SetupNotice />;
}

function SetupNotice() {
  const { t } = useI18n();
  const { client } = useSession();
  const node = useLoad(() => nodeIdentity(client), [client]);
  const [busy, setBusy] = useState(false);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const end = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.post('/v1/setup/end');
      forgetNodeIdentity(client);
      setEnded(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (ended)
    return (
      <div className="setup-banner" role="status" data-testid="setup-ended">
        <p>{t('setup.ended')}</p>
      </div>
    );
  if (node.data?.info.setup !== true) return null;
  return (
    <section className="setup-banner" aria-labelledby="setup-title" data-testid="setup-banner">
      <h2 id="setup-title">{t('setup.title')}</h2>
      <p>{t('setup.body')}</p>
      <button type="button" onClick={() => void end()} disabled={busy} data-testid="setup-end">
        {busy ? t('setup.ending') : t('setup.end')}
      </button>
      <ErrorMessage error={error} testId="setup-error" />
    </section>
  );
}
