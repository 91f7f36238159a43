import PostalMime, { decodeWords, type Email } from 'postal-mime';
import { isOutlookItem, readOutlookItem, type OutlookMail } from './outlook-msg.js';
import { readCompressedRtf, type RichTextBody } from './rich-text.js';
import { isTnef, readTnef } from './tnef.js';

/**
 * An inbound mail, parsed for intake: what a handler reads, what the
 * extractor scans, and every attachment as bytes to keep as evidence.
 * Parsing never throws: a message the parser cannot read comes back with
 * `problems` and whatever text could be salvaged, so it is still stored.
 */
export interface MailAttachment {
  /** Only the last path segment, control characters removed (`../../etc/passwd` → `passwd`). */
  filename: string | null;
  mimeType: string;
  content: Buffer;
  kind: 'attachment' | 'inline' | 'forwarded-message';
}

export interface ForwardedMail {
  subject: string | null;
  from: string | null;
  date: string | null;
  messageId: string | null;
  /** The Received chain, newest first, as the headers say. */
  received: string[];
  text: string;
}

export interface ParsedMail {
  messageId: string | null;
  subject: string | null;
  from: { address: string; name: string | null } | null;
  to: string[];
  date: string | null;
  inReplyTo: string | null;
  references: string[];
  text: string;
  html: string | null;
  attachments: MailAttachment[];
  forwarded: ForwardedMail[];
  /** Text of text-like attachments and forwarded mails, for search and observable extraction. */
  attachmentsText: string[];
  language: 'ja' | 'en' | null;
  /** Auto-submitted, a bounce, a list or bulk mail: never auto-replied to. */
  isAutomated: boolean;
  problems: string[];
}

export interface MailLimits {
  maxAttachments: number;
  /** Forwarded messages inside forwarded messages, parsed this deep. */
  maxForwardDepth: number;
  /** Text taken from one attachment for extraction. */
  maxAttachmentText: number;
}

export const DEFAULT_MAIL_LIMITS: MailLimits = { maxAttachments: 100, maxForwardDepth: 3, maxAttachmentText: 1_000_000 };

const PARSE_OPTIONS = { attachmentEncoding: 'arraybuffer', forceRfc822Attachments: true, maxNestingDepth: 64, maxHeadersSize: 2 * 1024 * 1024 } as const;

/** A mail's HTML version only (for showing it): its attachments are not read. Null when it has none or cannot be parsed. */
export async function mailHtml(raw: Buffer): Promise<string | null> {
  try {
    return (await PostalMime.parse(raw, PARSE_OPTIONS)).html ?? null;
  } catch {
    return null;
  }
}

export async function parseMail(raw: Buffer, limits: MailLimits = DEFAULT_MAIL_LIMITS): Promise<ParsedMail> {
  let email: Email;
  try {
    email = await PostalMime.parse(raw, PARSE_OPTIONS);
  } catch (err) {
    return salvage(raw, `the message could not be parsed as MIME: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  const { attachments, forwarded, attachmentsText, tnefBodies } = await readAttachedFiles(
    email.attachments.map((a) => ({ filename: a.filename, mimeType: a.mimeType, content: Buffer.from(a.content as ArrayBuffer), inline: a.disposition === 'inline' })),
    limits,
    problems,
  );
  let text = email.text ?? (email.html ? htmlToText(email.html) : '');
  const subject = email.subject ?? null;
  // A mail whose body came only inside its winmail.dat (rich text from Outlook): that body is the mail's.
  if (!text.trim() && tnefBodies.length) {
    text = tnefBodies[0]!;
    attachmentsText.splice(attachmentsText.indexOf(text), 1);
  }
  return {
    messageId: email.messageId?.trim() || null,
    subject,
    from: mailbox(email.from),
    to: (email.to ?? []).flatMap((a) => ('group' in a && a.group ? a.group : [a])).map((m) => m.address.toLowerCase()),
    date: isoDate(email.date),
    inReplyTo: email.inReplyTo?.trim() || null,
    references: (email.references ?? '').split(/\s+/).filter(Boolean),
    text,
    html: email.html ?? null,
    attachments,
    forwarded,
    attachmentsText,
    language: detectLanguage(`${subject ?? ''}\n${text}`),
    isAutomated: isAutomated(email),
    problems,
  };
}

/** A file attached to a mail or uploaded with a report, as it came. */
export interface AttachedFile {
  filename: string | null | undefined;
  mimeType: string;
  content: Buffer;
  /** Shown in the body (Content-Disposition: inline), not attached. */
  inline?: boolean;
}

/**
 * Read attached files as the intake keeps them: each one an attachment
 * (its name made safe); a forwarded mail (`message/rfc822`, or an Outlook
 * item) read for its headers and text; the files inside a `winmail.dat`
 * taken out as attachments of their own, and its body read as text (the
 * mail's body when it has none beside); text files read for extraction.
 * What cannot be read goes to `problems`; nothing is dropped.
 */
export async function readAttachedFiles(
  files: AttachedFile[],
  limits: MailLimits,
  problems: string[],
): Promise<{ attachments: MailAttachment[]; forwarded: ForwardedMail[]; attachmentsText: string[]; tnefBodies: string[] }> {
  const attachments: MailAttachment[] = [];
  const forwarded: ForwardedMail[] = [];
  const attachmentsText: string[] = [];
  /** The bodies found inside winmail.dat files, as text (also in attachmentsText). */
  const tnefBodies: string[] = [];
  for (const [index, a] of files.entries()) {
    if (attachments.length >= limits.maxAttachments) {
      problems.push(`more than ${limits.maxAttachments} attachments: the rest are kept only in the raw original`);
      break;
    }
    const content = a.content;
    // A forwarded mail: typed so, or a .eml file that begins with a header (browsers and some clients send it untyped).
    const isMessage = a.mimeType.toLowerCase() === 'message/rfc822' || (/\.eml$/i.test(a.filename ?? '') && /^[\x21-\x39\x3b-\x7e]+:/.test(content.subarray(0, 200).toString('latin1')));
    // A mail forwarded as an Outlook item (.msg), as Outlook users often do: read like a forwarded message.
    const isOutlook = !isMessage && isOutlookItem(a.filename ?? null, a.mimeType, content);
    attachments.push({
      filename: safeFilename(a.filename),
      mimeType: isMessage ? 'message/rfc822' : a.mimeType.toLowerCase(),
      content,
      kind: isMessage || isOutlook ? 'forwarded-message' : a.inline ? 'inline' : 'attachment',
    });
    if (isMessage || isOutlook) {
      const inner = isMessage ? await forwardedOf(content, limits, 1, problems) : await forwardedOfOutlook(content, problems);
      forwarded.push(...inner);
      for (const f of inner) attachmentsText.push([f.subject ?? '', f.from ?? '', ...f.received, f.text].join('\n').slice(0, limits.maxAttachmentText));
    } else if (isTnef(a.filename ?? null, a.mimeType, content)) {
      // winmail.dat: kept whole, and the files Outlook wrapped in it taken out, each an attachment of its own.
      // The files after this one keep their places: only what is left over goes to the files inside.
      const tnef = readTnef(content, { maxAttachments: Math.max(0, limits.maxAttachments - attachments.length - (files.length - index - 1)) });
      problems.push(...tnef.problems);
      if (tnef.body) {
        const body = bodyText(tnef.body).slice(0, limits.maxAttachmentText);
        if (body.trim()) {
          tnefBodies.push(body);
          attachmentsText.push(body);
        }
      }
      for (const inner of tnef.attachments) {
        attachments.push({ filename: safeFilename(inner.filename), mimeType: inner.mimeType ?? 'application/octet-stream', content: inner.content, kind: 'attachment' });
        if (isTextLike(inner.mimeType ?? '', inner.filename)) attachmentsText.push(inner.content.subarray(0, limits.maxAttachmentText).toString('utf8'));
      }
    } else if (isTextLike(a.mimeType, a.filename)) {
      attachmentsText.push(content.subarray(0, limits.maxAttachmentText).toString('utf8'));
    }
  }
  return { attachments, forwarded, attachmentsText, tnefBodies };
}

/** The mail an Outlook item holds (and those of items attached to it), as forwarded messages: their own fields, and the Received chain of the internet headers each kept. */
async function forwardedOfOutlook(content: Buffer, problems: string[]): Promise<ForwardedMail[]> {
  const item = await readOutlookItem(content);
  if ('problem' in item) {
    problems.push(item.problem);
    return [];
  }
  if (item.embeddedNotRead) problems.push(`an Outlook item holds at least ${item.embeddedNotRead} more Outlook item(s), deeper or beyond those read: kept in its file, not read`);
  return Promise.all([item, ...item.embedded].map((mail) => forwardedOfOutlookMail(mail, problems)));
}

async function forwardedOfOutlookMail(item: OutlookMail, problems: string[]): Promise<ForwardedMail> {
  let head: Email | null = null;
  if (item.headers?.trim()) {
    try {
      head = await PostalMime.parse(Buffer.from(`${item.headers.replace(/(\r?\n)+$/, '')}\r\n\r\n`), PARSE_OPTIONS);
    } catch (err) {
      problems.push(`the internet headers of an Outlook item could not be parsed: ${(err as Error).message}`);
    }
  }
  return {
    subject: item.subject ?? head?.subject ?? null,
    // An Exchange sender may be an X.500 name, not an address: then the headers' From.
    from: (item.senderEmail?.includes('@') ? item.senderEmail.toLowerCase() : null) ?? mailbox(head?.from)?.address ?? null,
    date: isoDate(head?.date) ?? isoDate(item.sentAt ?? undefined),
    messageId: head?.messageId?.trim() || null,
    received: (head?.headers ?? []).filter((h) => h.key === 'received').map((h) => h.value.replace(/\s+/g, ' ').trim()),
    text: item.body ?? (item.bodyHtml ? htmlToText(item.bodyHtml) : item.rtf ? richText(Buffer.from(item.rtf), 'an Outlook item', problems) : ''),
  };
}

/** A body given as text or as HTML, as text. */
const bodyText = (body: RichTextBody) => ('html' in body ? htmlToText(body.html) : body.text);

/** A compressed RTF body as text; '' and a problem (of `where`) when it cannot be read. */
function richText(stream: Buffer, where: string, problems: string[]): string {
  const body = readCompressedRtf(stream);
  if ('problem' in body) {
    problems.push(`${where}: ${body.problem}`);
    return '';
  }
  return bodyText(body);
}

async function forwardedOf(content: Buffer, limits: MailLimits, depth: number, problems: string[]): Promise<ForwardedMail[]> {
  if (depth > limits.maxForwardDepth) {
    problems.push(`forwarded messages nested deeper than ${limits.maxForwardDepth}: the deeper ones are kept whole, not read`);
    return [];
  }
  let inner: Email;
  try {
    inner = await PostalMime.parse(content, PARSE_OPTIONS);
  } catch (err) {
    problems.push(`a forwarded message could not be parsed: ${(err as Error).message}`);
    return [];
  }
  const own: ForwardedMail = {
    subject: inner.subject ?? null,
    from: mailbox(inner.from)?.address ?? null,
    date: isoDate(inner.date),
    messageId: inner.messageId ?? null,
    received: inner.headers.filter((h) => h.key === 'received').map((h) => h.value.replace(/\s+/g, ' ').trim()),
    text: inner.text ?? (inner.html ? htmlToText(inner.html) : ''),
  };
  const deeper: ForwardedMail[] = [];
  for (const a of inner.attachments)
    if (a.mimeType.toLowerCase() === 'message/rfc822') deeper.push(...(await forwardedOf(Buffer.from(a.content as ArrayBuffer), limits, depth + 1, problems)));
  return [own, ...deeper];
}

export interface MailHeader {
  /** As written in the message (case kept). */
  name: string;
  /** Unfolded, RFC 2047 encoded words decoded; a header that cannot be decoded is kept as written. */
  value: string;
}

/**
 * Every header of the message itself, in the order sent, duplicates kept (the
 * Received chain, authentication results, X- headers…): for a handler to read
 * in full. Only the header block is parsed, so a body that defeats the MIME
 * parser does not hide the headers.
 */
export async function mailHeaders(raw: Buffer): Promise<MailHeader[]> {
  // The header block ends at the first empty line (CRLF or bare LF).
  const end = /\r?\n\r?\n/.exec(raw.subarray(0, 2 * 1024 * 1024).toString('latin1'));
  const block = raw.subarray(0, end ? end.index + end[0].length : Math.min(raw.length, 2 * 1024 * 1024));
  let email: Email;
  try {
    email = await PostalMime.parse(block, PARSE_OPTIONS);
  } catch {
    return [];
  }
  return email.headers.map((h) => {
    let value = h.value.replace(/\s+/g, ' ').trim();
    try {
      value = decodeWords(value);
    } catch {
      // kept as written
    }
    return { name: h.originalKey, value };
  });
}

/** When MIME parsing fails, keep what can be read: headers' subject and the bytes as text. */
function salvage(raw: Buffer, problem: string): ParsedMail {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const subject = /^subject:[ \t]*(.*)$/im.exec(head)?.[1]?.trim() ?? null;
  const messageId = /^message-id:[ \t]*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? null;
  const text = raw.subarray(0, 5_000_000).toString('utf8');
  return {
    messageId,
    subject,
    from: null,
    to: [],
    date: null,
    inReplyTo: null,
    references: [],
    text,
    html: null,
    attachments: [],
    forwarded: [],
    attachmentsText: [],
    language: detectLanguage(text),
    isAutomated: false,
    problems: [problem],
  };
}

function mailbox(a: Email['from']): ParsedMail['from'] {
  if (!a) return null;
  const m = 'group' in a && a.group ? a.group[0] : (a);
  return m?.address ? { address: m.address.toLowerCase(), name: m.name || null } : null;
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function safeFilename(name: string | null | undefined): string | null {
  if (!name) return null;
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const base = name.split(/[/\\]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const cleaned = base.replace(/^\.+/, '').slice(0, 255);
  return cleaned || null;
}

const TEXT_EXTENSIONS = /\.(txt|log|csv|json|xml|eml|html?|md|ini|conf|ya?ml)$/i;
const isTextLike = (mime: string, filename: string | null | undefined) =>
  /^text\//i.test(mime) || /(json|xml|csv)/i.test(mime) || (filename ? TEXT_EXTENSIONS.test(filename) : false);

/**
 * Text of an HTML body for search and extraction only — never for display. The HTML itself is shown only on request
 * (GET /api/reports/:id/html), after the web app has sanitised it with DOMPurify and blocked remote content
 * (web/src/mail-html.ts).
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<a\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)[^>]*>/gi, ' $1 ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

const JAPANESE_LETTER = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/gu;

/** Japanese when a fair share of the letters are kana or kanji (ten of them are enough). */
export function detectLanguage(text: string): 'ja' | 'en' | null {
  const sample = text.slice(0, 20_000);
  // Counted without collecting the matches, and no further than the tenth kana or kanji.
  let ja = 0;
  JAPANESE_LETTER.lastIndex = 0;
  while (ja < 10 && JAPANESE_LETTER.exec(sample)) ja++;
  if (ja >= 10) return 'ja';
  let latin = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i) | 0x20;
    if (c >= 0x61 && c <= 0x7a) latin++;
  }
  if (ja + latin === 0) return null;
  return ja / (ja + latin) > 0.2 ? 'ja' : 'en';
}

function isAutomated(email: Email): boolean {
  const header = (k: string) => email.headers.find((h) => h.key === k)?.value.trim().toLowerCase();
  const auto = header('auto-submitted');
  const precedence = header('precedence');
  return (
    (auto !== undefined && auto !== 'no') ||
    (precedence !== undefined && ['bulk', 'list', 'junk', 'auto_reply'].includes(precedence)) ||
    header('list-id') !== undefined ||
    header('x-autoreply') !== undefined ||
    (email.returnPath !== undefined && email.returnPath.trim() === '<>') ||
    /^(mailer-daemon|postmaster)@/i.test(email.from && 'address' in email.from ? (email.from.address ?? '') : '')
  );
}
