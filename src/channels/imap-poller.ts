import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from 'pino';
import { routeFor, type IntakeRoute } from '../domain/intake-route.js';
import { headerEnd } from '../formats/pgp-mime.js';
import { routeTaken } from '../services/mail-intake.service.js';
import type { MailSpool } from '../services/mail-spool.service.js';

export interface ImapSource {
  host: string;
  port: number;
  /** imaps:// (TLS from the first byte); imap:// upgrades with STARTTLS when the server offers it (required unless `allowPlain`). */
  secure: boolean;
  user: string;
  password: string;
  /** The mailbox read for new mail (INBOX). */
  mailbox: string;
  /** Where a message goes once stored; created when missing. */
  doneFolder: string;
  /** Where a message goes that cannot become a report (too large); kept, never deleted. */
  failedFolder: string;
  /** Only for tests against a local server without TLS. */
  allowPlain?: boolean;
  /** Accept a self-signed certificate (labs); never the default. */
  insecureTls?: boolean;
}

/** `imaps://user@host:993/INBOX` (the password comes separately, never in logs). */
export function parseImapUrl(url: string, password: string, folders: { done: string; failed: string }): ImapSource {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`RENKEI_IMAP_URL=${url.replace(/\/\/[^@/]*@/, '//***@')} is not a URL such as imaps://reports%40cert.example@imap.example:993/INBOX`);
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:') throw new Error(`RENKEI_IMAP_URL must start with imaps:// or imap:// (STARTTLS), not ${u.protocol}//`);
  if (!u.username) throw new Error('RENKEI_IMAP_URL names no user (imaps://USER@host/INBOX)');
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    password: password || decodeURIComponent(u.password),
    mailbox: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX',
    doneFolder: folders.done,
    failedFolder: folders.failed,
  };
}

export interface PollOutcome {
  /** Messages now in the mail spool (on disk), moved to the done folder. */
  spooled: number;
  /** Messages that can never be reports (too large), moved to the failed folder. */
  failed: number;
}

/**
 * The IMAP door: a mailbox (a shared abuse@ address the team does not run
 * itself) read every few seconds. Each message goes into the mail spool —
 * on disk, as the SMTP listener's do (mail-spool.service.ts) — and only then
 * moves to the done folder; the spool records its report, tries again while
 * it cannot, and holds for a person a message that can never become one or
 * that failed every attempt (a message that crashed the reader included), so
 * one bad message never blocks the mailbox. A crash between spooling and
 * moving leaves the message where it was: the next poll spools it again,
 * which its Message-ID and content make the same report. When the spool
 * cannot store, the poll stops and the message stays for the next one.
 */
export class ImapPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PollOutcome> | undefined;
  private stopped = false;

  constructor(
    private readonly spool: Pick<MailSpool, 'accept'>,
    private readonly source: ImapSource,
    private readonly routes: readonly IntakeRoute[],
    private readonly options: { intervalSeconds: number; log?: Logger },
  ) {}

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.pollOnce();
      } catch (err) {
        this.options.log?.error({ err: (err as Error).message, host: this.source.host }, 'IMAP poll failed; the messages stay in the mailbox for the next poll');
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.intervalSeconds * 1000);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One poll; concurrent calls share the running one. */
  pollOnce(): Promise<PollOutcome> {
    this.running ??= this.poll().finally(() => (this.running = undefined));
    return this.running;
  }

  private clientOptions(): ImapFlowOptions {
    const s = this.source;
    return {
      host: s.host,
      port: s.port,
      secure: s.secure,
      doSTARTTLS: s.secure ? undefined : s.allowPlain ? undefined : true,
      auth: { user: s.user, pass: s.password },
      logger: false,
      disableAutoIdle: true,
      ...(s.insecureTls ? { tls: { rejectUnauthorized: false } } : {}),
    };
  }

  private async poll(): Promise<PollOutcome> {
    const client = new ImapFlow(this.clientOptions());
    const outcome: PollOutcome = { spooled: 0, failed: 0 };
    await client.connect();
    try {
      for (const folder of [this.source.doneFolder, this.source.failedFolder]) {
        const exists = (await client.list()).some((m) => m.path === folder);
        if (!exists) await client.mailboxCreate(folder);
      }
      const lock = await client.getMailboxLock(this.source.mailbox);
      try {
        const mailbox = client.mailbox;
        if (!mailbox || mailbox.exists === 0) return outcome;
        const uids = await client.search({ all: true }, { uid: true });
        for (const uid of uids || []) {
          if (this.stopped) break;
          const message = await client.fetchOne(String(uid), { source: true, envelope: true }, { uid: true });
          if (!message || !message.source) continue;
          const to = [...(message.envelope?.to ?? []), ...(message.envelope?.cc ?? [])].map((a) => a.address).filter((a): a is string => Boolean(a));
          const route = to.map((a) => routeFor(this.routes, a)).find(Boolean);
          try {
            const mailFrom = returnPath(message.source) ?? message.envelope?.from?.[0]?.address ?? null;
            await this.spool.accept(message.source, { mailFrom, rcptTo: to, remoteAddress: `imap:${this.source.host}` }, routeTaken(route));
            outcome.spooled++;
          } catch (err) {
            if ((err as { code?: string }).code !== 'VALIDATION') throw err; // storage down: stop here, keep the message, try again next poll
            // The message can never become a report (too large): kept in the failed folder for a person to look at.
            this.options.log?.error({ uid, err: (err as Error).message }, 'IMAP message cannot be stored as a report; moved to the failed folder');
            await client.messageMove(String(uid), this.source.failedFolder, { uid: true });
            outcome.failed++;
            continue;
          }
          // In the spool, on disk: only now does it leave the mailbox.
          await client.messageMove(String(uid), this.source.doneFolder, { uid: true });
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return outcome;
  }
}

/**
 * The envelope sender the mailbox's server recorded on delivery (the first
 * Return-Path header): where an automatic reply goes (RFC 3834). `<>` (a
 * bounce) gives `<>`, so no reply is sent; none: null.
 */
export function returnPath(source: Buffer): string | null {
  const head = source.subarray(0, headerEnd(source).headerLength).toString('latin1');
  const m = /^return-path:[ \t]*<([^<>\s]*)>/im.exec(head);
  if (!m) return null;
  return m[1] ? m[1] : '<>';
}
