import { useTranslation } from 'react-i18next';
import { useAccount } from '../session';

/**
 * Who did something, in words: a person by the display name the API sends
 * beside the account id (marked "you" when it is the reader), Renkei's own
 * actors (`system:rules`, `system:smtp` …) by what they are, in the reader's
 * language. Without a name (an account the API could not name) the start of
 * the id stays, as before.
 */
export function ActorName({ id, name }: { id: string | null; name?: string | null | undefined }) {
  const { t, i18n } = useTranslation();
  const me = useAccount();
  if (!id) return <span className="muted">—</span>;
  if (id.startsWith('system:') || id === 'renkei') {
    const key = `actor.system.${id === 'renkei' ? id : id.slice('system:'.length)}`;
    return (
      <span className="actor actor-system" data-actor={id}>
        {i18n.exists(key) ? t(key) : t('timeline.system')}
      </span>
    );
  }
  const isMe = id === me.id;
  const shown = name ?? (isMe ? me.displayName : null);
  if (shown)
    return (
      <span className="actor actor-person" data-actor={id}>
        <span translate="no">{shown}</span>
        {/* Japanese brackets carry their own space. */}
        {isMe && <span className="muted">{`${i18n.language === 'ja' ? '' : ' '}${t('actor.you')}`}</span>}
      </span>
    );
  return (
    <span className="actor actor-unknown">
      {t('timeline.someone')} <code translate="no">{id.slice(0, 8)}</code>
    </span>
  );
}
