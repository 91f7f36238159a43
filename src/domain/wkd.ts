import { createHash } from 'node:crypto';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** z-base-32 (RFC 6189 §5.1.6) of bytes, as OpenPGP Web Key Directory uses it. */
export function zbase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ZBASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The WKD "hu" name of a mailbox's local part: z-base-32 of SHA-1 of the lower-cased local part. */
export const wkdHash = (localPart: string): string => zbase32(createHash('sha1').update(localPart.toLowerCase()).digest());
