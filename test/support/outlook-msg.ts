import { burn, type Entry } from '@kenjiuno/msgreader/lib/Burner.js';
import { TypeEnum } from '@kenjiuno/msgreader/lib/Reader.js';

interface ItemMail {
  subject: string;
  /** The plain-text body (PR_BODY); an item of a rich-text mail may have only `rtf`. */
  body?: string;
  /** PR_RTF_COMPRESSED: a compressed RTF stream (see tnef.ts's rtfStream). */
  rtf?: Buffer;
  headers: string;
  sender: string;
  /** Outlook items attached to this one (each an embedded message). */
  embedded?: ItemMail[];
}

/**
 * An Outlook item (.msg) holding a mail, written with the compound-file
 * writer @kenjiuno/msgreader ships: its subject, plain-text body, the
 * internet headers Outlook keeps, and the sender, as Unicode properties;
 * items attached to it as embedded messages.
 */
export function outlookItem(mail: ItemMail): Buffer {
  const entries: Entry[] = [{ name: 'Root Entry', type: TypeEnum.ROOT, length: 0, children: [] }];
  const add = (e: Entry) => entries.push(e) - 1;
  const document = (name: string, data: Uint8Array) => add({ name, type: TypeEnum.DOCUMENT, length: data.length, binaryProvider: () => data });
  // Bytes of their own: the writer reads a typed array's whole buffer, and Node pools small Buffers.
  const unicode = (id: string, value: string) => document(`__substg1.0_${id}001F`, Uint8Array.from(Buffer.from(value, 'utf16le')));
  const fill = (m: ItemMail, into: number[], propertiesHeader: number) => {
    into.push(unicode('0037', m.subject));
    if (m.body !== undefined) into.push(unicode('1000', m.body));
    into.push(unicode('007D', m.headers), unicode('0C1F', m.sender));
    if (m.rtf) into.push(document('__substg1.0_10090102', Uint8Array.from(m.rtf)));
    into.push(document('__properties_version1.0', new Uint8Array(propertiesHeader)));
    (m.embedded ?? []).forEach((inner, i) => {
      const message: number[] = [];
      const attachment: number[] = [add({ name: '__substg1.0_3701000D', type: TypeEnum.DIRECTORY, length: 0, children: message })];
      attachment.push(document('__properties_version1.0', new Uint8Array(8)));
      into.push(add({ name: `__attach_version1.0_#${String(i).padStart(8, '0')}`, type: TypeEnum.DIRECTORY, length: 0, children: attachment }));
      // An embedded message's property stream has a 24-byte header; the top-level one 32.
      fill(inner, message, 24);
    });
  };
  fill(mail, entries[0]!.children!, 32);
  return Buffer.from(burn(entries));
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
