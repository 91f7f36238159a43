import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import { parseMail } from '../../src/formats/mail.js';
import { ACKS_PER_SENDER_PER_HOUR, reportReference } from '../../src/services/acknowledge.service.js';
import { GroupCommitter } from '../../src/services/group-commit.js';
import { ACK_DELAY_MS, receiveMail } from '../../src/services/mail-intake.service.js';
import { createIncidentFromReports, rejectReport } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

/** The receipt to a reporter: in their language, with a reference, and never a mail loop (RFC 3834). */
let h: Harness;
let sink: SmtpSink;
const smtp = systemActor('smtp');
let n = 0;

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({ relay: sink.url });
});
afterAll(async () => {
  await h.close();
  await sink.close();
});
beforeEach(() => {
  sink.mails.length = 0;
  h.advance(2 * 3600_000); // a fresh rate-limit hour for each test
});

function mail(from: string, subject: string, body: string, extra: string[] = []) {
  const id = `<ack-${++n}@reporter.example>`;
  const raw = Buffer.from([`From: ${from}`, 'To: report@team.example', `Subject: ${subject}`, `Message-ID: ${id}`, 'Content-Type: text/plain; charset=utf-8', ...extra, '', body, ''].join('\r\n'));
  return { id, raw };
}
/** Received as an MTA hands it over; the envelope sender is the From's address unless given. */
const receive = (raw: Buffer, mailFrom: string | null = /^From: (?:.*<)?([^<>\s]+@[^<>\s]+?)>?\r?$/m.exec(raw.toString('utf8'))?.[1] ?? null, committer?: GroupCommitter) =>
  receiveMail(h.deps, smtp, raw, { mailFrom, rcptTo: ['report@team.example'], remoteAddress: '192.0.2.1' }, undefined, committer);
const settle = async () => {
  h.advance(ACK_DELAY_MS + 1);
  await h.runJobs();
};

describe('acknowledging a mailed report', () => {
  it('answers a Japanese report in Japanese with its reference, as an automatic reply to the original', async () => {
    const m = mail('山田 花子 <hanako@reporter.example>', 'フィッシングメールが届きました', '不審なメールが届きました。https://phish.evil.example/ を開かせようとしています。');
    const { report } = await receive(m.raw);
    await settle();
    expect(sink.mails).toHaveLength(1);
    const sent = sink.mails[0]!;
    expect(sent.to).toEqual(['hanako@reporter.example']);
    expect(sent.from).toBe(''); // MAIL FROM:<>: nothing bounces back into intake
    const ack = await parseMail(sent.raw);
    const reference = reportReference('RK', report.id);
    expect(ack.subject).toBe(`[${reference}] ご報告を受け付けました`);
    expect(ack.inReplyTo).toBe(m.id);
    expect(ack.text).toContain('山田 花子 様');
    expect(ack.text).toContain(`受付番号 ${reference}`);
    expect(sent.raw.toString('latin1')).toMatch(/^Auto-Submitted: auto-replied\r$/m);
    expect(ack.isAutomated).toBe(true); // what we send is itself recognised as automatic, were it to come back
    const entries = (await h.deps.store.timeline.forReport(report.id)).map((e) => e.action);
    expect(entries).toContain('report.acknowledged');
  });

  it('answers an English report in English, also through the group-committed SMTP path', async () => {
    const committer = new GroupCommitter(h.deps, smtp);
    await receive(mail('reporter@reporter.example', 'Phishing site', 'Please look at https://phish2.evil.example/ — it imitates our bank.').raw, 'reporter@reporter.example', committer);
    await settle();
    expect(sink.mails).toHaveLength(1);
    expect((await parseMail(sink.mails[0]!.raw)).subject).toMatch(/^\[RK-R-[0-9A-F]{8}\] Your report has been received$/);
  });

  it('answers the envelope sender (RFC 3834), not a From a forger wrote: a forged From gets no mail from us', async () => {
    const forged = mail('Bank Support <support@bank.example>', 'Your account', 'Verify at https://forged.evil.example/');
    await receive(forged.raw, 'spammer@botnet.example');
    await settle();
    expect(sink.mails.map((m) => m.to)).toEqual([['spammer@botnet.example']]);
    // The rate limit counts by where the receipts go: changing the From each time does not get round it.
    sink.mails.length = 0;
    for (let i = 0; i < 5; i++) await receive(mail(`victim${i}@bank${i}.example`, `Invoice ${i}`, `https://forged${i}.evil.example/`).raw, 'spammer@botnet.example');
    await settle();
    expect(sink.mails).toHaveLength(ACKS_PER_SENDER_PER_HOUR - 1);
  });

  it('never answers automated mail, lists, bounces, no-reply senders or our own domain', async () => {
    const quiet = [
      receive(mail('robot@reporter.example', 'Out of office', 'away', ['Auto-Submitted: auto-replied']).raw),
      receive(mail('list@reporter.example', 'digest', 'x', ['List-Id: <abuse.lists.example>']).raw),
      receive(mail('bulk@reporter.example', 'news', 'x', ['Precedence: bulk']).raw),
      receive(mail('MAILER-DAEMON@reporter.example', 'Undelivered', 'x').raw),
      receive(mail('noreply@reporter.example', 'alert', 'x').raw),
      receive(mail('someone@reporter.example', 'bounce', 'x').raw, '<>'),
      receive(mail('colleague@team.example', 'fwd', 'x').raw),
    ];
    await Promise.all(quiet);
    await settle();
    expect(sink.mails).toEqual([]);
  });

  it('does not answer a reply that threads onto an incident, nor the same message delivered twice', async () => {
    const first = mail('victim@reporter.example', 'phishing', 'https://threaded.evil.example/');
    const { report } = await receive(first.raw);
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id] });
    await receive(first.raw); // the MTA delivered it again
    await settle();
    expect(sink.mails).toHaveLength(0); // triaged within the delay: it is on an incident, no receipt needed

    const reply = mail('victim@reporter.example', `Re: [${incident.number}] phishing`, 'more details');
    const threaded = await receive(reply.raw);
    await settle();
    expect(sink.mails).toHaveLength(0);
    expect((await h.deps.store.reports.findById({ kind: 'all' }, threaded.report.id))!.incidentId).toBe(incident.id);
  });

  it('threads a reply to the receipt onto the report it answers before triage (by References, or by the reference alone): no second receipt, and it goes where that report goes', async () => {
    const first = mail('sato@reporter.example', 'Phishing site', 'https://reply-before.evil.example/ imitates our bank.');
    const { report } = await receive(first.raw);
    await settle();
    expect(sink.mails).toHaveLength(1);
    const receipt = await parseMail(sink.mails[0]!.raw);
    const reference = reportReference('RK', report.id);
    sink.mails.length = 0;
    // A reply as mail clients write one: In-Reply-To the receipt, References the thread.
    const byRefs = mail('sato@reporter.example', `Re: ${receipt.subject}`, 'Here is a screenshot; also https://reply-more.evil.example/', [
      `In-Reply-To: ${receipt.messageId}`,
      `References: ${first.id} ${receipt.messageId}`,
    ]);
    const r1 = await receive(byRefs.raw);
    // A client that kept only the subject (a colleague writing afresh, quoting the reference).
    const byTag = mail('ito@reporter.example', `Fwd: [${reference.toLowerCase()}] one more`, 'the site moved to https://reply-moved.evil.example/');
    const r2 = await receive(byTag.raw);
    // The reference of a report that does not exist threads nothing (and is answered as any new report).
    const stray = await receive(mail('kato@reporter.example', '[RK-R-00000000] hello', 'x').raw);
    await settle();
    expect(sink.mails.map((m) => m.to)).toEqual([['kato@reporter.example']]);
    const find = async (id: string) => (await h.deps.store.reports.findById({ kind: 'all' }, id))!;
    expect((await find(r1.report.id)).replyTo).toBe(report.id);
    expect((await find(r2.report.id)).replyTo).toBe(report.id);
    expect((await find(stray.report.id)).replyTo).toBeNull();
    const timeline = (await h.deps.store.timeline.forReport(report.id)).filter((e) => e.action === 'report.reply');
    expect(timeline.map((e) => (e.changes as { reply: string }).reply).sort()).toEqual([r1.report.id, r2.report.id].sort());
    expect((await h.deps.store.timeline.forReport(r2.report.id)).find((e) => e.action === 'report.reply')?.changes).toEqual({ replyTo: report.id, matchedBy: `reference ${reference}` });
    // Triaging the report takes its replies along; the stray stays in the queue.
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id] });
    for (const id of [report.id, r1.report.id, r2.report.id]) expect((await find(id)).incidentId).toBe(incident.id);
    expect((await find(stray.report.id)).status).toBe('new');
    // A reply after triage goes straight onto the incident.
    const later = await receive(mail('sato@reporter.example', `Re: [${reference}] Phishing site`, 'still up').raw);
    expect((await find(later.report.id)).incidentId).toBe(incident.id);
  });

  it('a reply racing the triage of its report follows it onto the incident; a reply to a rejected report, or by References from someone else, is a report of its own', async () => {
    const first = mail('race@reporter.example', 'Phishing race', 'https://race.evil.example/');
    const { report } = await receive(first.raw);
    const other = (await receive(mail('other@reporter.example', 'other', 'https://race-other.evil.example/').raw)).report;
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [other.id] });
    // A triage holds the report (locked, as triage locks what it moves) while the reply is recorded.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const triage = h.deps.store.transaction(async (tx) => {
      await tx.reports.findManyById({ kind: 'all' }, [report.id], true);
      held();
      await gate;
      await tx.reports.setIncident([report.id], incident.id);
    });
    await holding;
    const reply = receive(mail('race@reporter.example', 'Re: Phishing race', 'still there', [`In-Reply-To: ${first.id}`, `References: ${first.id}`]).raw);
    await new Promise((r) => setTimeout(r, 200));
    release();
    await triage;
    const replied = (await reply).report;
    const find = async (id: string) => (await h.deps.store.reports.findById({ kind: 'all' }, id))!;
    expect((await find(replied.id)).incidentId).toBe(incident.id);

    // Someone else's mail that names a waiting report in its References: a report of its own.
    const waiting = mail('alone@reporter.example', 'Phishing alone', 'https://alone.evil.example/');
    await receive(waiting.raw);
    const forwarded = await receive(mail('colleague@reporter.example', 'Fwd: Phishing alone', 'fyi', [`References: ${waiting.id}`]).raw);
    expect(await find(forwarded.report.id)).toMatchObject({ replyTo: null, incidentId: null });

    // A reply to a report rejected as spam threads nothing, and gets its receipt.
    const spam = mail('spammy@reporter.example', 'win a prize', 'x');
    const spamReport = (await receive(spam.raw)).report;
    await rejectReport(h.deps, h.actor, spamReport.id, { reason: 'spam' });
    await settle();
    sink.mails.length = 0;
    const again = await receive(mail('spammy@reporter.example', 'Re: win a prize', 'y', [`In-Reply-To: ${spam.id}`]).raw);
    await settle();
    expect(await find(again.report.id)).toMatchObject({ replyTo: null, status: 'new' });
    expect(sink.mails.map((m) => m.to)).toEqual([['spammy@reporter.example']]);
  });

  it(`answers one sender at most ${ACKS_PER_SENDER_PER_HOUR} times an hour`, async () => {
    for (let i = 0; i < 6; i++) await receive(mail('flood@reporter.example', `report ${i}`, `https://flood${i}.evil.example/`).raw);
    await settle();
    expect(sink.mails).toHaveLength(ACKS_PER_SENDER_PER_HOUR);
  });
});
