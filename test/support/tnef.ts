import iconv from 'iconv-lite';

/**
 * A TNEF stream (`winmail.dat`) as Outlook writes one ([MS-OXTNEF]): the
 * message's codepage and subject, then for each attachment its rendering
 * data, 8-bit title, bytes, and MAPI properties with the long (Unicode)
 * file name and MIME type. For tests; checked against Debian's `tnef`.
 */
export function tnefStream(message: {
  codepage?: number;
  subject: string;
  /** The message's body in attMsgProps: PR_BODY, PR_BODY_HTML (bytes in `cpid`), PR_RTF_COMPRESSED (a stream, see `rtfStream`). */
  body?: { text?: string; html?: Buffer; cpid?: number; rtf?: Buffer };
  attachments: { title: string; longName?: string; mimeType?: string; content: Buffer }[];
}): Buffer {
  const codepage = message.codepage ?? 932;
  const parts: Buffer[] = [u32(0x223e9f78), u16(0x0001)];
  const attribute = (level: number, tag: number, data: Buffer) => parts.push(tnefAttribute(level, tag, data));
  const string8 = (s: string) => Buffer.concat([iconv.encode(s, `cp${codepage}`), Buffer.from([0])]);
  attribute(1, 0x00089006, u32(0x00010000)); // attTnefVersion
  attribute(1, 0x00069007, Buffer.concat([u32(codepage), u32(0)])); // attOemCodepage
  attribute(1, 0x00078008, string8('IPM.Microsoft Mail.Note')); // attMessageClass
  attribute(1, 0x00018004, string8(message.subject)); // attSubject
  if (message.body) {
    const props = new MapiProps();
    if (message.body.cpid !== undefined) props.long(0x3fde, message.body.cpid); // PR_INTERNET_CPID
    if (message.body.text !== undefined) props.variable(0x001f, 0x1000, Buffer.from(`${message.body.text}\0`, 'utf16le')); // PR_BODY
    if (message.body.html) props.variable(0x0102, 0x1013, message.body.html); // PR_BODY_HTML
    if (message.body.rtf) props.variable(0x0102, 0x1009, message.body.rtf); // PR_RTF_COMPRESSED
    attribute(1, 0x00069003, props.bytes()); // attMsgProps
  }
  for (const a of message.attachments) {
    // attAttachRendData: type 1 (file), position -1, no picture, no flags.
    attribute(2, 0x00069002, Buffer.concat([u16(1), u32(0xffffffff), u16(0), u16(0), u32(0)]));
    attribute(2, 0x00018010, string8(a.title)); // attAttachTitle
    attribute(2, 0x0006800f, a.content); // attAttachData
    const props = new MapiProps();
    props.long(0x3705, 1); // PR_ATTACH_METHOD: by value
    if (a.longName) props.variable(0x001f, 0x3707, Buffer.from(`${a.longName}\0`, 'utf16le')); // PR_ATTACH_LONG_FILENAME
    if (a.mimeType) props.variable(0x001e, 0x370e, Buffer.from(`${a.mimeType}\0`, 'latin1')); // PR_ATTACH_MIME_TAG
    attribute(2, 0x00069005, props.bytes()); // attAttachment
  }
  return Buffer.concat(parts);
}

/** A MAPI property list as TNEF writes one: a count, then each property's type, id and value(s). */
class MapiProps {
  private readonly parts: Buffer[] = [];
  private count = 0;
  /** A fixed-size PT_LONG: no count, no length. */
  long(id: number, value: number): void {
    this.parts.push(u16(0x0003), u16(id), u32(value));
    this.count++;
  }
  /** A string or binary property: one value, its length, padded to 4 bytes. */
  variable(type: number, id: number, value: Buffer): void {
    this.parts.push(u16(type), u16(id), u32(1), u32(value.length), value, Buffer.alloc((4 - (value.length % 4)) % 4));
    this.count++;
  }
  bytes(): Buffer {
    return Buffer.concat([u32(this.count), ...this.parts]);
  }
}

/** An RTF document as a PR_RTF_COMPRESSED stream of the uncompressed kind ("MELA", [MS-OXRTFCP] 2.1.3.1.1). */
export function rtfStream(rtf: Buffer): Buffer {
  return Buffer.concat([u32(12 + rtf.length), u32(rtf.length), u32(0x414c454d), u32(0), rtf]);
}

/** One TNEF attribute: level, tag, length, the data and its checksum. */
export function tnefAttribute(level: number, tag: number, data: Buffer): Buffer {
  let sum = 0;
  for (const b of data) sum = (sum + b) & 0xffff;
  return Buffer.concat([Buffer.from([level]), u32(tag), u32(data.length), data, u16(sum)]);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
