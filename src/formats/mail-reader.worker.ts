/** A worker thread of the mail reader pool: bytes in, a `MailReading` out (see mail-reader-pool.ts). */
import { readMail } from './mail-reading.js';

export default function read(raw: Uint8Array) {
  return readMail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
}
