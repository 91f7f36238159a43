import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import './totp-qr.css';

/**
 * The otpauth:// URI as a QR code for an authenticator app to scan. The QR
 * library (uqr) loads only here, on the enrolment step, so the first screen
 * stays small. Its SVG is made in the browser from the URI alone and shown as
 * an image (data: URL; the app's CSP allows `img-src data:`), never as markup.
 */
export function TotpQr({ uri }: { uri: string }) {
  const { t } = useTranslation();
  const [qr, setQr] = useState<{ uri: string; src: string } | { uri: string; failed: true } | null>(null);
  useEffect(() => {
    let live = true;
    import('uqr').then(
      ({ renderSVG }) => {
        const svg = renderSVG(uri, { ecc: 'M', border: 4 });
        if (live) setQr({ uri, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
      },
      () => {
        if (live) setQr({ uri, failed: true });
      },
    );
    return () => {
      live = false;
    };
  }, [uri]);
  const current = qr?.uri === uri ? qr : null;
  return (
    <figure className="totp-qr">
      {current && 'src' in current ? (
        <img src={current.src} alt={t('signIn.qrAlt')} width={200} height={200} data-testid="totp-qr" />
      ) : current ? (
        <p className="notice">{t('signIn.qrFailed')}</p>
      ) : (
        <div className="totp-qr-placeholder" role="status">
          {t('common.loading')}
        </div>
      )}
      <figcaption>{t('signIn.qrHelp')}</figcaption>
    </figure>
  );
}
