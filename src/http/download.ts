import type { FastifyReply } from 'fastify';

/**
 * The headers of a file handed out as a download, never rendered by the
 * browser: its type, `attachment` with its name (an ASCII fallback, and the
 * name itself in UTF-8 per RFC 6266 / 8187), `nosniff`, and not cached.
 */
export function asDownload(reply: FastifyReply, contentType: string, filename: string): FastifyReply {
  const name = filename.replace(/["\\]/g, '_');
  // RFC 8187's attr-char: encodeURIComponent leaves ' ( ) * as they are, and throws on a lone surrogate.
  const encoded = encodeURIComponent(name.toWellFormed()).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encoded}`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store');
}
