'use strict';
/**
 * The sandbox of outlook-msg.ts: reads one Outlook item (.msg) with
 * @kenjiuno/msgreader in a thread of its own, because a crafted file (a
 * sector chain that loops) makes the library loop until memory runs out.
 * The thread that started this one stops it after a time and caps its memory.
 * Plain JavaScript, so it runs without the TypeScript loader in any thread.
 */
const { parentPort, workerData } = require('node:worker_threads');
const MsgReader = require('@kenjiuno/msgreader').default;

const text = (v) => (typeof v === 'string' ? v : null);
/** Outlook items inside Outlook items are read this deep, and this many in all. */
const MAX_DEPTH = 3;
const MAX_EMBEDDED = 20;

const mailOf = (f) => ({
  subject: text(f.subject),
  body: text(f.body),
  bodyHtml: text(f.bodyHtml),
  headers: text(f.headers),
  senderEmail: text(f.senderSmtpAddress) ?? text(f.senderEmail),
  senderName: text(f.senderName),
  sentAt: text(f.clientSubmitTime) ?? text(f.messageDeliveryTime),
  // The compressed RTF only when it is the one body (a rich-text item): read by the caller (rich-text.ts).
  rtf: !text(f.body) && !text(f.bodyHtml) && f.compressedRtf instanceof Uint8Array ? f.compressedRtf : null,
});

const fields = new MsgReader(Buffer.from(workerData)).getFileData();
if (fields.error) parentPort.postMessage({ error: String(fields.error) });
else {
  // Items attached to this one (an Outlook user forwarding a mail that itself forwarded the lure), depth first.
  const embedded = [];
  let embeddedNotRead = 0;
  const walk = (f, depth) => {
    for (const a of f.attachments ?? []) {
      if (!a.innerMsgContent || !a.innerMsgContentFields) continue;
      if (depth >= MAX_DEPTH || embedded.length >= MAX_EMBEDDED) {
        embeddedNotRead++;
        continue;
      }
      embedded.push(mailOf(a.innerMsgContentFields));
      walk(a.innerMsgContentFields, depth + 1);
    }
  };
  walk(fields, 1);
  parentPort.postMessage({ ...mailOf(fields), embedded, embeddedNotRead });
}
