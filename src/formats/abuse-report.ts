/**
 * Abuse reports in the three shapes that reach an abuse desk by mail:
 * ARF (RFC 5965 feedback reports), X-ARF 0.1/0.2 (a YAML `report.txt` part)
 * and X-ARF JSON (abusix v1–v3 `Version`/`Report`, xarf.org v4 `xarf_version`),
 * the JSON as a bare document, a mail body or a part — usually the third part
 * of an ARF envelope with `Feedback-Type: xarf`.
 *
 * The parts are cut from the raw bytes here rather than taken from postal-mime:
 * postal-mime turns CRLF into LF and adds a line end inside `message/rfc822`
 * parts (the original must be kept byte for byte), merges the un-dispositioned
 * `report.txt` of X-ARF into the body text, and yields no parts at all from a
 * truncated multipart. Its address parser still reads the From header.
 */
import { mailFrom, partName, readEntity, readFieldBlock, splitLeaves, type Entity } from './abuse-report.mime.js';
import { flatten, isXarfJson, readYamlSubset, salvageJson } from './abuse-report.readers.js';
import { addField, asIp, field, ipOrProblem, isoDate, portOrProblem, text } from './abuse-report.values.js';

export interface AbuseReport {
  format: 'arf' | 'xarf-0.2' | 'xarf-json';
  /** ARF Feedback-Type (abuse, fraud, virus, …) or X-ARF category/type (e.g. 'phishing', 'login-attack'), as written. */
  type: string | null;
  /** X-ARF Category (0.x), ReportClass (v3) or category (v4). */
  category: string | null;
  /** ARF Source-IP, X-ARF Source / SourceIp / source_identifier when it is an address; canonical text. */
  sourceIp: string | null;
  /** ARF Source-Port (RFC 6692), SourcePort (v3), source_port (v4); X-ARF 0.x Port only for URL and domain sources. */
  sourcePort: number | null;
  /** ISO-8601 UTC when parseable: ARF Arrival-Date (or the historic Received-Date), X-ARF Date / timestamp. */
  arrivalDate: string | null;
  /** ARF Reported-URI, X-ARF Source for URL sources, SourceUrl (v3), url (v4). */
  reportedUri: string | null;
  reportedDomain: string | null;
  /** Reporting-MTA / X-ARF Reported-From / ReporterInfo / reporter; else the mail's From address. */
  reporter: string | null;
  userAgent: string | null;
  /** The embedded original message (ARF third part) or evidence, raw bytes, when present. */
  originalMessage: Buffer | null;
  /**
   * Every field as given, names as in the source (multi-valued fields as arrays).
   * JSON is flattened to paths (`Report.SourceIp`, `evidence[0].payload`; arrays of
   * plain values stay arrays). In an ARF envelope around X-ARF JSON both the
   * feedback-report fields and the JSON paths are here; a name in both (`Version`)
   * becomes an array, the feedback report's value first.
   */
  fields: Record<string, string | string[]>;
  problems: string[];
}

/** undefined when the mail is neither ARF nor X-ARF. Never throws. */
export async function parseAbuseReport(raw: Buffer): Promise<AbuseReport | undefined> {
  try {
    return read(raw);
  } catch {
    // Every reader below is written not to throw; this is the last guard of "never throws".
    return undefined;
  }
}

function read(raw: Buffer): AbuseReport | undefined {
  if (/^\uFEFF?\s*\{/.test(raw.subarray(0, 64).toString('utf8'))) return readJsonDocument(raw);
  const problems: string[] = [];
  const mail = readEntity(raw, true);
  const leaves = mail.type.startsWith('multipart/') ? splitLeaves(mail, 0, problems) : [mail];
  const from = mailFrom(mail.headers.get('from'));
  const isJson = (e: Entity) => e.type === 'application/json' || /\.json$/i.test(partName(e) ?? '');
  const feedback = leaves.find((e) => e.type === 'message/feedback-report');
  const isArf = feedback !== undefined || (mail.type === 'multipart/report' && mail.params.get('report-type')?.toLowerCase() === 'feedback-report');
  const xarfHeader = (mail.headers.get('x-arf') ?? mail.headers.get('x-xarf'))?.trim().toLowerCase();
  const hasXarfHeader = xarfHeader !== undefined && xarfHeader !== 'no';

  const json = leaves.find(isJson);
  const inJson = json ? jsonReport(json.body, partName(json) ?? 'the JSON part') : undefined;
  const isXarfInJson = inJson !== undefined && isXarfJson(inJson.fields);
  const reportIndex = leaves.findIndex((e) => partName(e)?.toLowerCase() === 'report.txt');

  if (isArf) {
    const report = emptyReport('arf', problems);
    if (feedback) readFieldBlock(text(feedback.body), report.fields, problems, 'the feedback report');
    else problems.push('a multipart/report of report-type feedback-report without a message/feedback-report part');
    const original = leaves.find((e) => e.type === 'message/rfc822' || e.type === 'text/rfc822-headers')?.body ?? null;
    if (field(report.fields, 'Feedback-Type')?.toLowerCase() === 'xarf' || isXarfInJson) {
      if (!inJson) problems.push('Feedback-Type is xarf but the mail has no JSON part');
      return finish(withJson(report, inJson, original), from);
    }
    mapArf(report);
    report.originalMessage = original;
    if (!original) problems.push('no original message part (message/rfc822 or text/rfc822-headers)');
    return finish(report, from);
  }

  if (isXarfInJson || (inJson && hasXarfHeader && reportIndex === -1)) return finish(withJson(emptyReport('xarf-json', problems), inJson, null), from);

  const yamlIndex = reportIndex !== -1 ? reportIndex : hasXarfHeader && leaves[1]?.type === 'text/plain' ? 1 : -1;
  if (yamlIndex === -1 && !hasXarfHeader) return undefined;
  const report = emptyReport('xarf-0.2', problems);
  const yaml = leaves[yamlIndex];
  if (yaml) readYamlSubset(text(yaml.body), report.fields, problems);
  if (!['Category', 'Report-Type', 'Reported-From'].some((name) => field(report.fields, name) !== null)) {
    if (!hasXarfHeader) return undefined;
    problems.push('the mail says X-ARF but has no report.txt part with X-ARF fields');
  }
  mapXarfYaml(report);
  const evidence = leaves.slice(yamlIndex + 1).find((e) => e.body.length > 0);
  if (evidence && yamlIndex !== -1) report.originalMessage = evidence.body;
  return finish(report, from);
}

function readJsonDocument(raw: Buffer): AbuseReport | undefined {
  const report = jsonReport(raw, 'the document');
  return isXarfJson(report.fields) ? report : undefined;
}

function jsonReport(bytes: Buffer, label: string): AbuseReport {
  const report = emptyReport('xarf-json', []);
  readJsonInto(bytes, label, report);
  return report;
}

/** The report read from X-ARF JSON, over an envelope's feedback-report fields and original message. */
function withJson(report: AbuseReport, json: AbuseReport | undefined, original: Buffer | null): AbuseReport {
  const envelopeUserAgent = field(report.fields, 'User-Agent');
  if (json) {
    const { fields, problems, format: _format, ...mapped } = json;
    Object.assign(report, mapped);
    for (const [name, value] of Object.entries(fields)) addField(report.fields, name, value);
    report.problems.push(...problems);
  }
  report.format = 'xarf-json';
  report.userAgent ??= envelopeUserAgent;
  report.originalMessage ??= original;
  return report;
}

function emptyReport(format: AbuseReport['format'], problems: string[]): AbuseReport {
  return {
    format,
    type: null,
    category: null,
    sourceIp: null,
    sourcePort: null,
    arrivalDate: null,
    reportedUri: null,
    reportedDomain: null,
    reporter: null,
    userAgent: null,
    originalMessage: null,
    fields: {},
    problems,
  };
}

function finish(report: AbuseReport, from: string | null): AbuseReport {
  report.reporter ??= from;
  return report;
}

// ---------------------------------------------------------------- ARF (RFC 5965, 6692)

function mapArf(r: AbuseReport): void {
  const f = (name: string) => field(r.fields, name);
  for (const name of ['Feedback-Type', 'User-Agent', 'Version'])
    if (f(name) === null) r.problems.push(`the feedback report has no ${name} (required by RFC 5965)`);
  r.type = f('Feedback-Type');
  r.userAgent = f('User-Agent');
  r.sourceIp = ipOrProblem(f('Source-IP'), 'Source-IP', r.problems);
  r.sourcePort = portOrProblem(f('Source-Port'), 'Source-Port', r.problems);
  const arrival = f('Arrival-Date');
  if (arrival === null && f('Received-Date') !== null)
    r.problems.push('the historic Received-Date is given instead of Arrival-Date; read as Arrival-Date');
  r.arrivalDate = isoDate(arrival ?? f('Received-Date'), arrival !== null ? 'Arrival-Date' : 'Received-Date', r.problems);
  r.reportedUri = f('Reported-URI');
  r.reportedDomain = f('Reported-Domain');
  // "dns; mail.example.net": the type prefix says how to read the name, the name is the reporter.
  r.reporter = f('Reporting-MTA')?.replace(/^[\w-]+\s*;\s*/, '') || null;
}

// ---------------------------------------------------------------- X-ARF 0.1 / 0.2 (YAML report.txt)

function mapXarfYaml(r: AbuseReport): void {
  const f = (name: string) => field(r.fields, name);
  for (const name of ['Category', 'Report-Type', 'Source', 'Date'])
    if (f(name) === null) r.problems.push(`the X-ARF report has no ${name}`);
  r.type = f('Report-Type');
  r.category = f('Category');
  r.reporter = f('Reported-From');
  r.userAgent = f('User-Agent');
  r.arrivalDate = isoDate(f('Date'), 'Date', r.problems);
  r.reportedDomain = f('Domain');
  placeSource(r, f('Source'), f('Source-Type'));
  // Port is the port of the reported Service. For an address that attacked (login-attack, regbot) that is
  // the attacked side's port, not the source's — and a wrong source port misattributes a CGNAT customer.
  const isAddress = r.sourceIp !== null || /^(ipv4|ipv6|ip-address|ip)$/i.test(f('Source-Type') ?? '');
  const sourcePort = f('Source-Port');
  r.sourcePort = portOrProblem(sourcePort ?? (isAddress ? null : f('Port')), sourcePort !== null ? 'Source-Port' : 'Port', r.problems);
}

/** Source is an address, a URL or a domain, as Source-Type says (or, without one, as it looks). */
function placeSource(r: AbuseReport, source: string | null, sourceType: string | null): void {
  if (source === null) return;
  const kind = sourceType?.toLowerCase() ?? '';
  if (/^(ipv4|ipv6|ip-address|ip)$/.test(kind) || (!kind && asIp(source))) r.sourceIp = ipOrProblem(source, 'Source', r.problems);
  else if (/^(uri|url)$/.test(kind) || (!kind && /^[a-z][a-z0-9+.-]*:\/\//i.test(source))) r.reportedUri ??= source;
  else if (/^(domain|fqdn|hostname)$/.test(kind) || (!kind && /^[^\s/@:]+\.[^\s/@:]+$/.test(source))) r.reportedDomain ??= source;
}

// ---------------------------------------------------------------- X-ARF JSON (v1–v3 abusix, v4 xarf.org)

function readJsonInto(bytes: Buffer, label: string, r: AbuseReport): void {
  const source = text(bytes).replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const salvaged = salvageJson(source);
    r.problems.push(`${label} is not valid JSON (${(err as Error).message}); the fields before the fault are kept`);
    value = salvaged;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (value !== undefined) r.problems.push(`${label} is JSON but not an object`);
    return;
  }
  flatten(value, '', r.fields, 0, r.problems);
  mapXarfJson(r);
}

function mapXarfJson(r: AbuseReport): void {
  const f = (name: string) => field(r.fields, name);
  if (Object.hasOwn(r.fields, 'xarf_version')) {
    r.type = f('type');
    r.category = f('category');
    r.sourcePort = portOrProblem(f('source_port'), 'source_port', r.problems);
    r.arrivalDate = isoDate(f('timestamp'), 'timestamp', r.problems);
    r.reportedUri = f('url');
    r.reportedDomain = f('domain');
    r.reporter = f('reporter.contact') ?? f('reporter.domain') ?? f('reporter.org');
    r.userAgent = f('user_agent');
    placeSource(r, f('source_identifier'), null);
    r.originalMessage = evidence(r, 'evidence', 'content_type', 'payload', () => true);
  } else {
    if (f('Version') === null) r.problems.push('the X-ARF JSON has neither Version nor xarf_version');
    r.type = f('Report.ReportType');
    r.category = f('Report.ReportClass');
    r.sourceIp = ipOrProblem(f('Report.SourceIp'), 'Report.SourceIp', r.problems);
    r.sourcePort = portOrProblem(f('Report.SourcePort'), 'Report.SourcePort', r.problems);
    r.arrivalDate = isoDate(f('Report.Date'), 'Report.Date', r.problems);
    r.reportedUri = f('Report.SourceUrl');
    r.reportedDomain = f('Report.SourceDomain');
    r.reporter = f('ReporterInfo.ReporterOrgEmail') ?? f('ReporterInfo.ReporterContactEmail') ?? f('ReporterInfo.ReporterOrgDomain') ?? f('ReporterInfo.ReporterOrg');
    r.originalMessage = evidence(r, 'Report.Samples', 'ContentType', 'Payload', (i) => f(`Report.Samples[${i}].Base64Encoded`)?.toLowerCase() === 'true');
  }
}

/** The first evidence item of type message/rfc822, else the first one, decoded. */
function evidence(r: AbuseReport, list: string, typeKey: string, payloadKey: string, isBase64: (i: number) => boolean): Buffer | null {
  const indexes = Object.keys(r.fields)
    .filter((k) => k.startsWith(`${list}[`) && k.endsWith(`].${payloadKey}`))
    .map((k) => Number(k.slice(list.length + 1, -payloadKey.length - 2)))
    .filter(Number.isInteger);
  if (indexes.length === 0) return null;
  const i = indexes.find((n) => field(r.fields, `${list}[${n}].${typeKey}`)?.toLowerCase() === 'message/rfc822') ?? indexes[0]!;
  const payload = field(r.fields, `${list}[${i}].${payloadKey}`) ?? '';
  if (!isBase64(i)) return Buffer.from(payload, 'utf8');
  if (/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(payload)) return Buffer.from(payload, 'base64');
  r.problems.push(`${list}[${i}].${payloadKey} is not base64; kept only in fields`);
  return null;
}
