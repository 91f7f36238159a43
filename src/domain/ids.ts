import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;
/** Random bytes drawn 4 KB at a time (one call into the CSPRNG per 512 ids, as crypto.randomUUID does). */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/**
 * UUIDv7 (RFC 9562): time-ordered, so new rows land at the end of B-tree
 * indexes on both databases instead of scattering. Ids made in the same
 * millisecond carry a 12-bit counter (RFC 9562 §6.2, method 1), so ids from
 * one process sort in the order they were made — rows that share a
 * timestamp (contacts of one organisation) keep their order.
 */
export function newId(now = Date.now()): string {
  if (now <= lastMs) {
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
  } else {
    lastMs = now;
    counter = 0;
  }
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  pool.copy(bytes, 8, poolAt, poolAt + 8);
  poolAt += 8;
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
