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
const fields = new MsgReader(Buffer.from(workerData)).getFileData();
parentPort.postMessage(
  fields.error
    ? { error: String(fields.error) }
    : {
        subject: text(fields.subject),
        body: text(fields.body),
        bodyHtml: text(fields.bodyHtml),
        headers: text(fields.headers),
        senderEmail: text(fields.senderSmtpAddress) ?? text(fields.senderEmail),
        senderName: text(fields.senderName),
        sentAt: text(fields.clientSubmitTime) ?? text(fields.messageDeliveryTime),
        embeddedItems: (fields.attachments ?? []).filter((a) => a.innerMsgContent).length,
      },
);
