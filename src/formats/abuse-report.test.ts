import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../test/support/vectors.js';
import { describe, expect, it } from 'vitest';
import { parseAbuseReport, type AbuseReport } from './abuse-report.js';

// The shared sample files; the conformance tests skip, saying so, where they are absent.
const VECTORS = VECTORS_DIR;

/** A feedback-report mail as RFC 5965 §B.2 lays it out, with the line ends and parts a test needs. */
function arfMail(o: { feedback?: string; original?: string; eol?: string; third?: string } = {}): Buffer {
  const eol = o.eol ?? '\n';
  const feedback = o.feedback ?? 'Feedback-Type: abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\nOriginal-Mail-From: <somespammer@example.net>\nArrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\nSource-IP: 192.0.2.1\nReported-Domain: example.net\nReported-URI: http://example.net/earn_money.html\nReported-URI: mailto:user@example.com\nRemoved-Recipient: user@example.com';
  const original = o.original ?? 'From: <somespammer@example.net>\nReceived: from mailserver.example.net (mailserver.example.net [192.0.2.1])\n        by example.com with ESMTP id M63d4137594e46;\n        Thu, 08 Mar 2005 14:00:00 -0400\nTo: <Undisclosed Recipients>\nSubject: Earn money\n\nSpam Spam Spam\n';
  const text = [
    'From: <abusedesk@example.com>',
    'Date: Thu, 8 Mar 2005 17:40:36 EDT',
    'Subject: FW: Earn money',
    'To: <abuse@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report;',
    '     boundary="part1_13d.2e68ed54_boundary"',
    '',
    '--part1_13d.2e68ed54_boundary',
    'Content-Type: text/plain; charset="US-ASCII"',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.1.',
    '',
    '--part1_13d.2e68ed54_boundary',
    'Content-Type: message/feedback-report',
    '',
    feedback,
    '',
    '--part1_13d.2e68ed54_boundary',
    o.third ?? 'Content-Type: message/rfc822\nContent-Disposition: inline',
    '',
    original,
    '--part1_13d.2e68ed54_boundary--',
    '',
  ].join('\n');
  return Buffer.from(text.replace(/\n/g, eol), 'utf8');
}

/** An ARF envelope carrying X-ARF JSON (Feedback-Type: xarf), as abusix and xarf.org send it. */
function xarfInArf(json: string): Buffer {
  const b64 = Buffer.from(json).toString('base64').replace(/.{76}/g, '$&\n');
  return Buffer.from(
    `From: Reporter <noreply@reporter.example>\nSubject: XARF\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nHuman text.\n--b1\nContent-Type: message/feedback-report\n\nFeedback-Type: xarf\nUser-Agent: Honeypot/2.0\nVersion: 1\n--b1\nContent-Type: application/json; name=xarf.json\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=xarf.json\n\n${b64}\n--b1--\n`,
  );
}

/** Bytes between two markers of a vector: what a part must hold byte for byte. */
function between(raw: Buffer, startMarker: string, endMarker: string): Buffer {
  const start = raw.indexOf(startMarker);
  const end = raw.indexOf(endMarker, start);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return raw.subarray(start, end);
}

const parse = async (raw: Buffer | string): Promise<AbuseReport> => {
  const report = await parseAbuseReport(typeof raw === 'string' ? Buffer.from(raw) : raw);
  if (!report) throw new Error('expected a report');
  return report;
};

// Listed here, not inside the describe: its body is collected even when it is skipped.
const files = VECTORS ? ['arf', 'xarf'].flatMap((d) => readdirSync(join(VECTORS, d)).filter((f) => f !== 'SOURCES.md').map((f) => `${d}/${f}`)) : [];

describe.skipIf(!VECTORS)(VECTORS ? `vectors in ${VECTORS}` : 'vectors — SKIPPED: shared/vectors not found beside the repository', () => {
  const read = (name: string) => readFileSync(join(VECTORS!, name));

  /** What each vector must yield; a vector added without an entry fails the last test. */
  const expected: Record<string, (raw: Buffer, r: AbuseReport | undefined) => void> = {
    'arf/aol-fbl-abuse.eml': (raw, r) => {
      expect(r).toMatchObject({ format: 'arf', type: 'abuse', category: null, sourceIp: '10.17.18.1', sourcePort: null });
      expect(r).toMatchObject({ arrivalDate: '2016-01-19T19:32:40.000Z', reportedDomain: 'server.domain5.tld', reportedUri: null });
      expect(r).toMatchObject({ userAgent: 'AOL SComp', reporter: 'scomp@aol.net' });
      expect(r!.fields).toEqual({
        'Feedback-Type': 'abuse',
        'User-Agent': 'AOL SComp',
        Version: '0.1',
        'Received-Date': 'Tue, 19 Jan 2016 14:32:40 -0500 (EST)',
        'Source-IP': '10.17.18.1',
        'Reported-Domain': 'server.domain5.tld',
        'Redacted-Address': ['redacted', 'redacted@'],
      });
      expect(r!.problems).toEqual([expect.stringContaining('Received-Date')]);
      // The part ends at the line end before the closing delimiter; its own inner multipart is cut short in the source.
      expect(r!.originalMessage).toEqual(between(raw, 'Return-Path: <tecnic2@domain4.tld>', '\n--boundary-1138-29572-2659438-15162--'));
      expect(r!.originalMessage!.toString()).toMatch(/O zi buna,<br>\n$/);
    },
    'arf/comcast-fbl-abuse.eml': (raw, r) => {
      expect(r).toMatchObject({ format: 'arf', type: 'abuse', sourceIp: '10.17.18.6', arrivalDate: '2016-01-19T15:14:53.000Z' });
      expect(r).toMatchObject({ reportedDomain: 'comcast.net', userAgent: 'ReturnPathFBL/1.0', reporter: 'feedbackloop@comcastfbl.senderscore.net' });
      expect(r!.fields).toMatchObject({ 'Abuse-Type': 'complaint', 'Original-Mail-From': 'sadie_hubbard@server.domain4.tld', 'Original-Rcpt-To': '27a4767fd6480dcd6301d3711503069b@comcast.net', Version: '1' });
      expect(r!.problems).toEqual([]);
      expect(r!.originalMessage).toEqual(between(raw, 'Return-Path: sadie_hubbard@', '\n--_----------=_14532166305981446513--'));
      expect(r!.originalMessage!.toString()).toMatch(/--b1_fa9121b71ba983a725e126ff52023ee8--\n$/);
    },
    'arf/zoho-fbl-abuse.eml': (raw, r) => {
      expect(r).toMatchObject({ format: 'arf', type: 'abuse', sourceIp: '10.17.18.28', arrivalDate: '2015-09-07T15:58:04.000Z', reportedDomain: null });
      expect(r).toMatchObject({ userAgent: 'Zoho Mail', reporter: 'feedbackloop@fbl.zoho.com' });
      expect(r!.originalMessage).toEqual(between(raw, 'Delivered-To: espinosa@espinosaviveros.com', '\n------=_Part_1273_600163861.1441682223349--'));
      expect(r!.originalMessage!.toString()).toMatch(/X-ZohoMail-Sender: 90\.164\.188\.206\n\n$/);
    },
    'xarf/xarf-0.2-blocklistde-regbot.eml': (raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-0.2', type: 'regbot', category: 'abuse', sourceIp: '10.0.2.150', arrivalDate: '2014-01-31T06:19:02.000Z' });
      expect(r).toMatchObject({ reporter: 'abuse-team@blocklist.de', userAgent: 'Fail2BanFeedBackScript blocklist.de V0.2', reportedUri: null });
      // Port 80 is the attacked forum's, not the source's.
      expect(r!.sourcePort).toBeNull();
      expect(r!.fields).toMatchObject({ Version: '0.2', 'Source-Type': 'ip-address', Port: '80', Service: 'regbot', 'Report-ID': '123456789@blocklist.de', Attachment: 'text/plain' });
      expect(r!.problems).toEqual([]);
      expect(r!.originalMessage).toEqual(between(raw, '10.0.2.150 - - [31/Jan/2014:07:19:02 +0100]', '\n--Abuse-c93f23d9b7aeffd576bb3d3973a8df9d--'));
    },
    'xarf/xarf-0.1-blocklistde-fraud.eml': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-0.2', type: 'scam', category: 'fraud', sourceIp: null, sourcePort: 80, arrivalDate: '2013-01-20T15:44:01.000Z' });
      expect(r).toMatchObject({ reportedUri: 'http://buyevistaonline.tumblr.com', reportedDomain: 'buyevistaonline.tumblr.com', reporter: 'spamlinks@spamlinks.blocklist.de' });
      expect(r!.fields).toMatchObject({ Version: '0.1', 'Source-Type': 'uri', 'Schema-URL': 'http://www.x-arf.org/schema/fraud_0.1.3.json', Attachment: 'none' });
      expect(r!.originalMessage).toBeNull();
      expect(r!.problems).toEqual([]);
    },
    // A JSON Schema describing X-ARF 0.1 login-attack reports, not a report.
    'xarf/xarf-0.1-schema-abuse_login-attack.json': (_raw, r) => expect(r).toBeUndefined(),
    'xarf/xarf-v3-loginattack_sample.json': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-json', type: 'LoginAttack', category: 'Activity', sourceIp: '192.0.2.55', sourcePort: 54321 });
      expect(r).toMatchObject({ arrivalDate: '2018-02-05T14:17:10.000Z', reporter: 'reports@example.com', userAgent: null, problems: [] });
      expect(r!.fields).toMatchObject({ Version: '3', 'Report.DestinationIp': '198.51.100.33', 'Report.DestinationPort': '80', 'Report.Ongoing': 'true', 'ReporterInfo.ReporterOrg': 'ExampleOrg' });
      expect(r!.originalMessage!.toString()).toBe('User at 192.0.2.55:54321 tried to log in unsuccessfully 123 times.');
    },
    'xarf/xarf-v3-phishing_sample.json': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-json', type: 'Phishing', category: 'Content', sourceIp: '192.0.2.55', sourcePort: 80 });
      expect(r).toMatchObject({ reportedUri: 'http://phish.example.org/index.html', arrivalDate: '2018-02-05T14:17:10.000Z', problems: [] });
      expect(r!.originalMessage!.toString()).toBe('<html>Phishy</html>');
    },
    'xarf/xarf-v4-connection-login-attack.json': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-json', type: 'login_attack', category: 'connection', sourceIp: '198.51.100.77', sourcePort: 45621 });
      expect(r).toMatchObject({ arrivalDate: '2025-01-11T12:17:20.000Z', reporter: 'honeypot@ssh-monitor.example', problems: [] });
      expect(r!.fields).toMatchObject({
        xarf_version: '4.2.0',
        report_id: 'dbf79f17-f4f4-4c22-ae58-19991f52a1e8',
        'reporter.org': 'SSH Honeypot Network',
        destination_port: '22',
        username_patterns: ['admin', 'root', 'user', 'test', 'guest'],
        tags: ['attack:brute_force', 'service:ssh', 'pattern:dictionary'],
        'evidence[0].hash': 'sha256:ef3c219beff759f9e6e1fe8c1d7983ffbad5adf477714d7ec88f7dfa577b3504',
      });
      expect(r!.originalMessage!.toString()).toBe('SSH brute force attack detected: 2847 attempts in 3 hours');
    },
    'xarf/xarf-v4-content-malware.json': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-json', type: 'malware', category: 'content', sourceIp: '192.0.2.75', sourcePort: null });
      expect(r).toMatchObject({ reportedUri: 'http://download-center.example.com/setup.exe', arrivalDate: '2025-01-11T09:07:21.000Z', reporter: 'malware@malware-research.example' });
      expect(r!.fields).toMatchObject({ detection_names: ['Trojan:Win32/Wacatac.B!ml', 'Gen:Heur.Trojan.Script.1'], file_size: '2048576' });
      expect(r!.originalMessage!.subarray(0, 2).toString()).toBe('MZ');
    },
    'xarf/xarf-v4-content-phishing.json': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-json', type: 'phishing', category: 'content', sourceIp: '203.0.113.45' });
      expect(r).toMatchObject({ reportedUri: 'http://secure-banking-login.example.com/auth', arrivalDate: '2025-01-11T15:15:24.000Z', reporter: 'takedown@brand-protect.example' });
      expect(r!.fields).toMatchObject({ target_brand: 'Major Bank Corp', 'evidence[0].content_type': 'image/png', 'evidence[1].content_type': 'text/html' });
      expect(r!.originalMessage!.subarray(1, 4).toString()).toBe('PNG');
    },
    'xarf/xarf-v3-in-arf-wrapper.eml': (_raw, r) => {
      expect(r).toMatchObject({ format: 'xarf-json', type: 'Spam', category: 'Activity', sourceIp: '192.0.2.55', sourcePort: 54321 });
      expect(r).toMatchObject({ arrivalDate: '2018-02-05T14:17:10.000Z', userAgent: 'Abusix/1.0', reporter: 'reports@example.com', problems: [] });
      // The feedback report's Version and the JSON's (the README example says "1") share a name.
      expect(r!.fields).toMatchObject({ 'Feedback-Type': 'xarf', Version: ['1', '1'], 'Report.ReportSubType': 'Trap', 'Report.SmtpMailFromAddress': 'spam@example.com' });
      expect(r!.originalMessage!.toString()).toBe('mail');
    },
  };


  it.each(files)('%s parses to the expected fields', async (name) => {
    const check = expected[name];
    expect(check, `no expectation written for the vector ${name}`).toBeDefined();
    const raw = read(name);
    check!(raw, await parseAbuseReport(raw));
  });

  it('keeps the original message byte for byte with CRLF line ends (postal-mime gives LF and one more line end)', async () => {
    const raw = Buffer.from(read('arf/zoho-fbl-abuse.eml').toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const r = await parse(raw);
    expect(r.originalMessage).toEqual(between(raw, 'Delivered-To: espinosa@', '\r\n------=_Part_1273_600163861.1441682223349--'));
    expect(r.originalMessage!.toString()).toMatch(/90\.164\.188\.206\r\n\r\n$/);
    expect(r.sourceIp).toBe('10.17.18.28');
  });

  it('never throws on any prefix of any vector mail', async () => {
    for (const name of files.filter((f) => f.endsWith('.eml'))) {
      const raw = read(name);
      for (let end = 0; end <= raw.length; end += 61) await expect(parseAbuseReport(raw.subarray(0, end))).resolves.not.toThrow();
    }
  });
});

describe('parseAbuseReport on ARF', () => {
  it('reads the RFC 5965 example: fields, multi-valued Reported-URI, the date in its zone, the original', async () => {
    const r = await parse(arfMail());
    expect(r).toMatchObject({ format: 'arf', type: 'abuse', sourceIp: '192.0.2.1', arrivalDate: '2005-03-08T18:00:00.000Z', reportedDomain: 'example.net' });
    expect(r).toMatchObject({ reportedUri: 'http://example.net/earn_money.html', userAgent: 'SomeGenerator/1.0', reporter: 'abusedesk@example.com', problems: [] });
    expect(r.fields['Reported-URI']).toEqual(['http://example.net/earn_money.html', 'mailto:user@example.com']);
    expect(r.originalMessage!.toString()).toBe('From: <somespammer@example.net>\nReceived: from mailserver.example.net (mailserver.example.net [192.0.2.1])\n        by example.com with ESMTP id M63d4137594e46;\n        Thu, 08 Mar 2005 14:00:00 -0400\nTo: <Undisclosed Recipients>\nSubject: Earn money\n\nSpam Spam Spam\n');
  });

  it('takes Reporting-MTA without its type, Source-Port, an IPv6 source in canonical form, folded fields and names in any case', async () => {
    const r = await parse(arfMail({ feedback: 'feedback-type: fraud\nuser-agent: X/1\nversion: 1\nReporting-MTA: dns; mx.example.org\nSource-IP: 2001:DB8:0:0::1\nSource-Port: 50123\nArrival-Date: 2005-03-08T14:00:00Z\nReported-URI: http://example.net/a\n  /folded' }));
    expect(r).toMatchObject({ type: 'fraud', reporter: 'mx.example.org', sourceIp: '2001:db8::1', sourcePort: 50123, arrivalDate: '2005-03-08T14:00:00.000Z', reportedUri: 'http://example.net/a /folded' });
  });

  it('stays ARF when an abuse report carries some other JSON', async () => {
    const r = await parse(arfMail({ third: 'Content-Type: application/json; name=extra.json', original: '{"not": "x-arf"}\n' }));
    expect(r).toMatchObject({ format: 'arf', type: 'abuse', sourceIp: '192.0.2.1', originalMessage: null });
    expect(r.fields).not.toHaveProperty('not');
    expect(r.problems).toEqual(['no original message part (message/rfc822 or text/rfc822-headers)']);
  });

  it('takes text/rfc822-headers as the original too', async () => {
    const r = await parse(arfMail({ third: 'Content-Type: text/rfc822-headers', original: 'From: a@example.net\nSubject: x\n' }));
    expect(r.originalMessage!.toString()).toBe('From: a@example.net\nSubject: x\n');
  });

  it('keeps lines it can read from a feedback report with garbage lines, and names each garbage line', async () => {
    const r = await parse(arfMail({ feedback: 'Feedback-Type: abuse\n\u0000\u0001garbage without colon\nUser-Agent: Gen/1\n: no name\nnot a field at all\nVersion: 1\nSource-IP: not-an-ip\nArrival-Date: yesterday-ish\n  \n' }));
    expect(r.fields).toEqual({ 'Feedback-Type': 'abuse', 'User-Agent': 'Gen/1', Version: '1', 'Source-IP': 'not-an-ip', 'Arrival-Date': 'yesterday-ish' });
    expect(r.sourceIp).toBeNull();
    expect(r.arrivalDate).toBeNull();
    expect(r.problems).toEqual([
      expect.stringContaining('garbage without colon'),
      expect.stringContaining(': no name'),
      expect.stringContaining('not a field at all'),
      'Source-IP is not an IP address: "not-an-ip"',
      'Arrival-Date is not a date that can be read: "yesterday-ish"',
    ]);
  });

  it('says which required fields are missing and reads a date without a zone as UTC, saying so', async () => {
    const r = await parse(arfMail({ feedback: 'Feedback-Type: abuse\nArrival-Date: Tue, 19 Jan 2016 14:32:34' }));
    expect(r.arrivalDate).toBe('2016-01-19T14:32:34.000Z');
    expect(r.problems).toEqual([expect.stringContaining('no User-Agent'), expect.stringContaining('no Version'), expect.stringContaining('no time zone')]);
  });

  it('keeps a 1 MB field value whole, quotes only its start in problems, and stays fast', async () => {
    const huge = '('.repeat(1_000_000);
    const started = Date.now();
    const r = await parse(arfMail({ feedback: `Feedback-Type: abuse\nUser-Agent: G/1\nVersion: 1\nSource-IP: ${huge}\nArrival-Date: ${huge}\nX-Big: ${'a'.repeat(1_000_000)}` }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.fields['Source-IP']).toHaveLength(1_000_000);
    expect(r.fields['X-Big']).toHaveLength(1_000_000);
    expect(r.sourceIp).toBeNull();
    expect(r.problems).toHaveLength(2);
    for (const p of r.problems) expect(p.length).toBeLessThan(200);
  });

  it('reads what a truncated mail still holds, and says it is truncated', async () => {
    const raw = arfMail();
    const cut = raw.subarray(0, raw.indexOf('Subject: Earn money'));
    const r = await parse(cut);
    expect(r.sourceIp).toBe('192.0.2.1');
    expect(r.originalMessage!.toString()).toMatch(/^From: <somespammer@example\.net>/);
    expect(r.problems).toContain('the multipart/report body has no closing boundary: the message may be truncated');
    for (let end = 0; end <= raw.length; end += 7) await expect(parseAbuseReport(raw.subarray(0, end))).resolves.not.toThrow();
  });

  it('never throws on mutated mails', async () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const base = arfMail({ eol: '\r\n' });
    for (let n = 0; n < 500; n++) {
      const raw = Buffer.from(base);
      for (let k = 0; k < 8; k++) raw[Math.floor(random() * raw.length)] = Math.floor(random() * 256);
      await expect(parseAbuseReport(raw)).resolves.not.toThrow();
    }
  });

  it('keeps a field named __proto__ as a field', async () => {
    const r = await parse(arfMail({ feedback: 'Feedback-Type: abuse\nUser-Agent: G/1\nVersion: 1\n__proto__: x\n__proto__: y' }));
    expect(Object.getPrototypeOf(r.fields)).toBe(Object.prototype);
    expect(Object.hasOwn(r.fields, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(r.fields, '__proto__')?.value).toEqual(['x', 'y']);
  });
});

describe('parseAbuseReport on X-ARF', () => {
  const v4 = {
    xarf_version: '4.2.0',
    report_id: 'dbf79f17-f4f4-4c22-ae58-19991f52a1e8',
    timestamp: '2025-01-11T12:17:20Z',
    reporter: { org: 'SSH Honeypot Network', contact: 'honeypot@ssh-monitor.example', domain: 'ssh-monitor.example' },
    source_identifier: '198.51.100.77',
    source_port: 45621,
    category: 'connection',
    type: 'login_attack',
    evidence: [{ content_type: 'text/plain', payload: Buffer.from('log line').toString('base64') }],
  };

  it('reads v4 JSON inside an ARF envelope', async () => {
    const r = await parse(xarfInArf(JSON.stringify(v4)));
    expect(r).toMatchObject({ format: 'xarf-json', type: 'login_attack', category: 'connection', sourceIp: '198.51.100.77', sourcePort: 45621, userAgent: 'Honeypot/2.0', problems: [] });
    expect(r.originalMessage!.toString()).toBe('log line');
  });

  it('keeps the fields it could read from invalid JSON in a v4 part and says why the rest is missing', async () => {
    const json = JSON.stringify(v4, null, 2);
    const r = await parse(xarfInArf(json.slice(0, json.indexOf('"category"') + 14)));
    expect(r.format).toBe('xarf-json');
    expect(r.problems).toEqual([expect.stringMatching(/^xarf\.json is not valid JSON \(.+\); the fields before the fault are kept$/)]);
    expect(r.fields).toMatchObject({ 'Feedback-Type': 'xarf', xarf_version: '4.2.0', 'reporter.contact': 'honeypot@ssh-monitor.example', source_identifier: '198.51.100.77', source_port: '45621' });
    expect(r.fields).not.toHaveProperty('category');
    expect(r).toMatchObject({ sourceIp: '198.51.100.77', sourcePort: 45621, arrivalDate: '2025-01-11T12:17:20.000Z', type: null, userAgent: 'Honeypot/2.0' });
  });

  it('says so when the envelope announces X-ARF but its JSON is not even an object', async () => {
    const r = await parse(xarfInArf('not json at all'));
    expect(r.format).toBe('xarf-json');
    expect(r.fields).toEqual({ 'Feedback-Type': 'xarf', 'User-Agent': 'Honeypot/2.0', Version: '1' });
    expect(r.problems[0]).toMatch(/^xarf\.json is not valid JSON/);
  });

  it('reads a bare v4 document, and a broken one as far as it goes; other JSON is not a report', async () => {
    expect((await parse(JSON.stringify(v4))).sourceIp).toBe('198.51.100.77');
    const broken = await parse('{"xarf_version": "4.2.0", "type": "spam", "source_identifier": "2001:db8::7", "evidence": [{"payload": "tru');
    expect(broken).toMatchObject({ type: 'spam', sourceIp: '2001:db8::7', fields: { xarf_version: '4.2.0', type: 'spam', source_identifier: '2001:db8::7' } });
    expect(broken.problems[0]).toMatch(/^the document is not valid JSON/);
    expect(await parseAbuseReport(Buffer.from('{"type": "object", "properties": {}}'))).toBeUndefined();
    expect(await parseAbuseReport(Buffer.from('{' + '['.repeat(100_000)))).toBeUndefined();
  });

  it('reads the YAML subset of report.txt: quotes, lists, folded lines, comments; a bad line is a problem', async () => {
    const yaml = '---\nReported-From: "abuse@reporter.example"\nCategory: abuse\nReport-Type: login-attack\nService: ssh\nPort: 22\nDate: 2013-01-10T10:20:30+01:00\nSource-Type: ipv4\nSource: \'192.0.2.9\'\nUser-Agent: Tool 1.0 # a comment\nNote: a long\n  folded line\nTags:\n  - one\n  - two\n{not: yaml we read}\n';
    const mail = `From: a@reporter.example\nX-ARF: YES\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nHuman.\n--XX\nContent-Type: text/plain; charset=utf-8; name="report.txt"\n\n${yaml}\n--XX\nContent-Type: text/plain; name="logfile.log"\n\nsshd[1]: Failed password for root from 192.0.2.9\n--XX--\n`;
    const r = await parse(mail);
    expect(r).toMatchObject({ format: 'xarf-0.2', type: 'login-attack', category: 'abuse', sourceIp: '192.0.2.9', sourcePort: null, arrivalDate: '2013-01-10T09:20:30.000Z' });
    expect(r).toMatchObject({ reporter: 'abuse@reporter.example', userAgent: 'Tool 1.0' });
    expect(r.fields).toMatchObject({ Note: 'a long folded line', Tags: ['one', 'two'], Port: '22' });
    expect(r.problems).toEqual(['line 16 of report.txt is not "Key: value": "{not: yaml we read}"']);
    expect(r.originalMessage!.toString()).toBe('sshd[1]: Failed password for root from 192.0.2.9');
  });

  it('reads X-ARF JSON that is the whole body of a mail', async () => {
    const r = await parse(`From: Reporter <Reports@Example.com>\nContent-Type: application/json\n\n${JSON.stringify({ Version: '3', Report: { ReportClass: 'Activity', ReportType: 'Spam', SourceIp: '192.0.2.8' } })}`);
    expect(r).toMatchObject({ format: 'xarf-json', type: 'Spam', sourceIp: '192.0.2.8', reporter: 'reports@example.com', problems: [] });
  });

  it('says so when a mail has the X-ARF header but no report', async () => {
    const r = await parse('From: a@example.net\nX-ARF: yes\nContent-Type: text/plain\n\nhello\n');
    expect(r.format).toBe('xarf-0.2');
    expect(r.problems[0]).toBe('the mail says X-ARF but has no report.txt part with X-ARF fields');
  });
});

describe('parseAbuseReport on other mail', () => {
  it('is undefined for a normal mail, a bounce, a mail with a JSON attachment, and nothing', async () => {
    const plain = 'From: alice@example.org\nTo: cert@example.net\nSubject: hello\n\nJust a question about an incident.\n';
    const withJson = 'From: a@example.org\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\nContent-Type: application/json; name=data.json\n\n{"items": [1, 2]}\n--B--\n';
    const bounce = 'From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=D\n\n--D\nContent-Type: text/plain\n\nundeliverable\n--D\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; x@example.net\nAction: failed\n--D--\n';
    for (const raw of [plain, withJson, bounce, '', '\r\n\r\n', '{', '--B--'])
      expect(await parseAbuseReport(Buffer.from(raw)), JSON.stringify(raw.slice(0, 30))).toBeUndefined();
  });
});
