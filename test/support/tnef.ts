import iconv from 'iconv-lite';

/**
 * A TNEF stream (`winmail.dat`) as Outlook writes one ([MS-OXTNEF]): the
 * message's codepage and subject, then for each attachment its rendering
 * data, 8-bit title, bytes, and MAPI properties with the long (Unicode)
 * file name and MIME type. For tests; checked against Debian's `tnef`.
 */
export function tnefStream(message: { codepage?: number; subject: string; attachments: { title: string; longName?: string; mimeType?: string; content: Buffer }[] }): Buffer {
  const codepage = message.codepage ?? 932;
  const parts: Buffer[] = [u32(0x223e9f78), u16(0x0001)];
  const attribute = (level: number, tag: number, data: Buffer) => parts.push(tnefAttribute(level, tag, data));
  const string8 = (s: string) => Buffer.concat([iconv.encode(s, `cp${codepage}`), Buffer.from([0])]);
  attribute(1, 0x00089006, u32(0x00010000)); // attTnefVersion
  attribute(1, 0x00069007, Buffer.concat([u32(codepage), u32(0)])); // attOemCodepage
  attribute(1, 0x00078008, string8('IPM.Microsoft Mail.Note')); // attMessageClass
  attribute(1, 0x00018004, string8(message.subject)); // attSubject
  for (const a of message.attachments) {
    // attAttachRendData: type 1 (file), position -1, no picture, no flags.
    attribute(2, 0x00069002, Buffer.concat([u16(1), u32(0xffffffff), u16(0), u16(0), u32(0)]));
    attribute(2, 0x00018010, string8(a.title)); // attAttachTitle
    attribute(2, 0x0006800f, a.content); // attAttachData
    const props: Buffer[] = [];
    let count = 0;
    const variable = (type: number, id: number, value: Buffer) => {
      props.push(u16(type), u16(id), u32(1), u32(value.length), value, Buffer.alloc((4 - (value.length % 4)) % 4));
      count++;
    };
    // PR_ATTACH_METHOD: by value (a fixed-size property: no count, no length).
    props.push(u16(0x0003), u16(0x3705), u32(1));
    count++;
    if (a.longName) variable(0x001f, 0x3707, Buffer.from(`${a.longName}\0`, 'utf16le')); // PR_ATTACH_LONG_FILENAME
    if (a.mimeType) variable(0x001e, 0x370e, Buffer.from(`${a.mimeType}\0`, 'latin1')); // PR_ATTACH_MIME_TAG
    attribute(2, 0x00069005, Buffer.concat([u32(count), ...props])); // attAttachment
  }
  return Buffer.concat(parts);
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
