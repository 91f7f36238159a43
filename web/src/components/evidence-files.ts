import { ApiError } from '../api/client';
import type { ApiErrorBody } from '../api/types';

// Files in and out of the browser for the evidence panel: reading an upload, saving a download (never shown in the page).

/** What arrived does not hash to the SHA-256 the server checked (a broken transfer, a proxy that rewrote it). */
export class DownloadMismatch extends Error {}

export function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === 'string' ? reader.result : '';
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/** SHA-256 in hex, where the browser offers it (Web Crypto needs a secure context: HTTPS or localhost); null otherwise. */
export async function sha256Hex(data: Blob): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  try {
    const digest = await subtle.digest('SHA-256', await data.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch {
    return null;
  }
}

/** The name a Content-Disposition gives (filename* first), else the fallback. */
function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star);
    } catch {
      /* fall through to the plain name */
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1] ?? fallback;
}

/**
 * Fetch a download and hand it to the browser as a file (an object URL with
 * `download`: never opened in the page). Failures answer as the API's errors
 * (EVIDENCE_CORRUPT, GONE …). The SHA-256 of what arrived is checked against
 * the one the server checked, when the file is the original.
 */
export async function saveDownload(path: string, fallbackName: string): Promise<{ saved: boolean; name: string; packed: string; password: string | null; verified: boolean | null }> {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/octet-stream, application/zip, application/json' } });
  if (!res.ok) {
    let body: Partial<ApiErrorBody> | null = null;
    try {
      body = (await res.json()) as Partial<ApiErrorBody>;
    } catch {
      body = null;
    }
    const err = body?.error;
    throw new ApiError(res.status, err?.code ?? 'INTERNAL', err?.message ?? res.statusText, err?.issues ?? [], (err as { details?: Record<string, unknown> } | undefined)?.details ?? {});
  }
  const blob = await res.blob();
  const name = dispositionName(res.headers.get('content-disposition'), fallbackName);
  const packed = res.headers.get('x-renkei-packed') ?? 'original';
  const expected = res.headers.get('x-renkei-sha256');
  let verified: boolean | null = null;
  if (packed === 'original' && expected) {
    const actual = await sha256Hex(blob);
    verified = actual === null ? null : actual === expected;
  }
  // Bytes that are not what the server checked are not saved.
  if (verified === false) return { saved: false, name, packed, password: null, verified };
  const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { saved: true, name, packed, password: res.headers.get('x-renkei-zip-password'), verified };
}
