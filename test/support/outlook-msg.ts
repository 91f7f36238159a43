import { burn, type Entry } from '@kenjiuno/msgreader/lib/Burner.js';
import { TypeEnum } from '@kenjiuno/msgreader/lib/Reader.js';

/**
 * An Outlook item (.msg) holding a mail, written with the compound-file
 * writer @kenjiuno/msgreader ships: its subject, plain-text body, the
 * internet headers Outlook keeps, and the sender, as Unicode properties.
 */
export function outlookItem(mail: { subject: string; body: string; headers: string; sender: string }): Buffer {
  const unicode = (id: string, value: string): Entry => {
    // Bytes of their own: the writer reads a typed array's whole buffer, and Node pools small Buffers.
    const data = Uint8Array.from(Buffer.from(value, 'utf16le'));
    return { name: `__substg1.0_${id}001F`, type: TypeEnum.DOCUMENT, length: data.length, binaryProvider: () => data };
  };
  const properties = new Uint8Array(32);
  const streams: Entry[] = [
    unicode('0037', mail.subject),
    unicode('1000', mail.body),
    unicode('007D', mail.headers),
    unicode('0C1F', mail.sender),
    { name: '__properties_version1.0', type: TypeEnum.DOCUMENT, length: properties.length, binaryProvider: () => properties },
  ];
  return Buffer.from(burn([{ name: 'Root Entry', type: TypeEnum.ROOT, length: 0, children: streams.map((_, i) => i + 1) }, ...streams]));
}

/** The same item with its directory's sector chain looping back on itself: the reader follows it until memory runs out. */
export function loopingOutlookItem(): Buffer {
  const b = outlookItem({ subject: 'loop', body: 'loop', headers: '', sender: 'loop@example.net' });
  const directorySector = b.readInt32LE(0x30);
  const fatSector = b.readInt32LE(0x4c);
  b.writeInt32LE(directorySector, 512 * (1 + fatSector) + 4 * directorySector);
  return b;
}

/** The same item with its subject stream claiming 2 GB in a sector that points to itself: the reader would fill a 2 GB buffer. */
export function hugeOutlookItem(): Buffer {
  const b = outlookItem({ subject: 'huge', body: 'huge', headers: '', sender: 'huge@example.net' });
  const directory = 512 * (1 + b.readInt32LE(0x30));
  for (let off = directory; off < directory + 512; off += 128)
    if (b.subarray(off, off + 40).toString('utf16le').startsWith('__substg1.0_0037001F')) b.writeUInt32LE(0x7ffffff0, off + 0x78);
  return b;
}
