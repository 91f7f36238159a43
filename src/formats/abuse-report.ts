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
import { addressParser } from 'postal-mime';
import { normaliseIpv4, normaliseIpv6 } from '../domain/observables/address.js';

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

type Fields = AbuseReport['fields'];

interface Entity {
  headers: Map<string, string>;
  type: string;
  params: Map<string, string>;
  body: Buffer;
}

const MAX_DEPTH = 4;
const MAX_PARTS = 500;
const MAX_JSON_DEPTH = 64;

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

/**
 * The YAML X-ARF 0.1/0.2 writes: one `Key: value` per line after `---` (keys
 * start with a letter, digit or `_`), plain or quoted scalars, indented lines
 * continuing the value, `- item` lists under an empty key, `#` comments.
 * Not a YAML parser: no nested maps, flow collections, anchors or block
 * scalars; a line it cannot read is a problem and is skipped.
 */
function readYamlSubset(source: string, fields: Fields, problems: string[]): void {
  let last: string | null = null;
  let lineNo = 0;
  for (const rawLine of source.split(/\r?\n/)) {
    lineNo++;
    const line = rawLine.trimEnd();
    const trimmed = line.trim();
    if (trimmed === '' || trimmed === '---' || trimmed === '...' || trimmed.startsWith('#')) continue;
    const item = /^\s*-\s+(.*)$/.exec(line);
    const colon = line.indexOf(':');
    if (item && last !== null) {
      const current = fields[last];
      fields[last] = current === '' || current === undefined ? [scalar(item[1]!)] : [...asArray(current), scalar(item[1]!)];
    } else if (/^\s/.test(line) && last !== null) {
      const current = fields[last]!;
      if (typeof current === 'string') fields[last] = current ? `${current} ${trimmed}` : trimmed;
      else current.push(`${current.pop() ?? ''} ${trimmed}`.trim());
    } else if (colon > 0 && /^\w[^:]*$/.test(line.slice(0, colon)) && (colon === line.length - 1 || /\s/.test(line[colon + 1]!))) {
      last = line.slice(0, colon).trim();
      addField(fields, last, scalar(line.slice(colon + 1).trim()));
    } else {
      problems.push(`line ${lineNo} of report.txt is not "Key: value": ${quote(trimmed)}`);
      last = null;
    }
  }
}

function scalar(value: string): string {
  if (/^"(?:[^"\\]|\\.)*"$/.test(value)) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value.slice(1, -1);
    }
  }
  if (/^'(?:[^']|'')*'$/.test(value)) return value.slice(1, -1).replace(/''/g, "'");
  const comment = value.search(/\s#/);
  return comment === -1 ? value : value.slice(0, comment).trimEnd();
}

// ---------------------------------------------------------------- X-ARF JSON (v1–v3 abusix, v4 xarf.org)

const isXarfJson = (fields: Fields): boolean =>
  Object.hasOwn(fields, 'xarf_version') || Object.keys(fields).some((k) => k.startsWith('Report.') || k.startsWith('ReporterInfo.'));

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

function flatten(value: unknown, path: string, fields: Fields, depth: number, problems: string[]): void {
  if (depth > MAX_JSON_DEPTH && value !== null && typeof value === 'object') {
    problems.push(`${path} is nested deeper than ${MAX_JSON_DEPTH}: not read`);
  } else if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) addField(fields, path, value.map(plain));
    else value.forEach((v, i) => flatten(v, `${path}[${i}]`, fields, depth + 1, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, fields, depth + 1, problems);
  } else if (path) {
    addField(fields, path, plain(value));
  }
}

const plain = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The values of a broken JSON document up to its first fault: a small parser
 * that attaches each container to its parent before filling it, so what was
 * complete when it stopped stays in the tree.
 */
function salvageJson(source: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < source.length && ' \t\r\n'.includes(source[i]!)) i++;
  };
  const fail = (): never => {
    throw new Error('stop');
  };
  const str = (): string => {
    // eslint-disable-next-line no-control-regex -- JSON strings may not hold raw control characters
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = i;
    const hit = m.exec(source) ?? fail();
    i = m.lastIndex;
    return JSON.parse(hit[0]) as string;
  };
  const value = (set: (v: unknown) => void, depth: number): void => {
    ws();
    if (depth > MAX_JSON_DEPTH) fail();
    const c = source[i];
    if (c === '{' || c === '[') {
      const isObject = c === '{';
      const container: unknown[] | Record<string, unknown> = isObject ? (Object.create(null) as Record<string, unknown>) : [];
      set(container);
      i++;
      ws();
      if (source[i] === (isObject ? '}' : ']')) {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = isObject ? str() : '';
        if (isObject) {
          ws();
          if (source[i++] !== ':') fail();
        }
        value((v) => {
          if (Array.isArray(container)) container.push(v);
          else container[key] = v;
        }, depth + 1);
        ws();
        const next = source[i++];
        if (next === (isObject ? '}' : ']')) return;
        if (next !== ',') fail();
      }
    }
    if (c === '"') return set(str());
    const m = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
    m.lastIndex = i;
    const hit = m.exec(source) ?? fail();
    i = m.lastIndex;
    set(JSON.parse(hit[0]) as unknown);
  };
  let root: unknown;
  try {
    value((v) => (root = v), 0);
  } catch {
    // The fault ends reading; what was attached until then is the result.
  }
  return root;
}

// ---------------------------------------------------------------- MIME, cut from the raw bytes

/** Headers and body of a message or part; an mbox "From " line before a message's headers is skipped. */
function readEntity(buf: Buffer, isMessage = false): Entity {
  const s = buf.toString('latin1');
  let start = isMessage ? (/^From [^\r\n]*\r?\n/.exec(s)?.[0].length ?? 0) : 0;
  let headerText = '';
  const blank = /^\r?\n/.exec(s.slice(start, start + 2));
  if (blank) start += blank[0].length;
  else {
    const end = /\r?\n\r?\n/g;
    end.lastIndex = start;
    const hit = end.exec(s);
    headerText = s.slice(start, hit ? hit.index : s.length);
    start = hit ? hit.index + hit[0].length : s.length;
  }
  const headers = new Map<string, string>();
  const lines: Fields = {};
  readFieldBlock(headerText, lines, [], 'the headers');
  for (const [k, v] of Object.entries(lines)) if (!headers.has(k.toLowerCase())) headers.set(k.toLowerCase(), first(v) ?? '');
  const { type, params } = contentType(headers.get('content-type'));
  const raw = buf.subarray(start);
  const cte = headers.get('content-transfer-encoding')?.trim().toLowerCase();
  const body = cte === 'base64' ? Buffer.from(raw.toString('latin1'), 'base64') : cte === 'quoted-printable' ? decodeQp(raw) : raw;
  return { headers, type, params, body };
}

function splitLeaves(entity: Entity, depth: number, problems: string[]): Entity[] {
  const boundary = entity.params.get('boundary');
  if (!boundary) {
    problems.push(`a ${entity.type} without a boundary: its parts cannot be read`);
    return [];
  }
  const s = entity.body.toString('latin1');
  const delimiter = `--${boundary}`;
  const leaves: Entity[] = [];
  let partStart = -1;
  let closed = false;
  for (let at = s.indexOf(delimiter); at !== -1 && !closed; at = s.indexOf(delimiter, at + 1)) {
    if (at > 0 && s[at - 1] !== '\n') continue;
    const after = at + delimiter.length;
    const isClose = s.startsWith('--', after);
    const lineEnd = s.indexOf('\n', after);
    // Only transport padding may follow a delimiter; anything else means the boundary was a prefix of other text.
    if (s.slice(isClose ? after + 2 : after, lineEnd === -1 ? s.length : lineEnd).trim() !== '') continue;
    if (partStart !== -1) {
      const end = Math.max(partStart, at - (s[at - 2] === '\r' ? 2 : 1));
      leaves.push(...leavesOf(readEntity(entity.body.subarray(partStart, end)), depth, problems));
      if (leaves.length >= MAX_PARTS) {
        problems.push(`more than ${MAX_PARTS} parts: the rest are not read`);
        return leaves;
      }
    }
    closed = isClose;
    partStart = lineEnd === -1 ? s.length : lineEnd + 1;
  }
  if (partStart === -1) problems.push(`no part found in the ${entity.type} body`);
  else if (!closed) {
    problems.push(`the ${entity.type} body has no closing boundary: the message may be truncated`);
    leaves.push(...leavesOf(readEntity(entity.body.subarray(partStart)), depth, problems));
  }
  return leaves;
}

function leavesOf(part: Entity, depth: number, problems: string[]): Entity[] {
  if (!part.type.startsWith('multipart/')) return [part];
  if (depth + 1 >= MAX_DEPTH) {
    problems.push(`multiparts nested deeper than ${MAX_DEPTH}: the deeper ones are not read`);
    return [];
  }
  return splitLeaves(part, depth + 1, problems);
}

/**
 * `Name: value` lines with folded continuations, as in a header block or a
 * message/feedback-report body. A line that is neither is a problem, skipped.
 */
function readFieldBlock(source: string, fields: Fields, problems: string[], label: string): void {
  let last: string | null = null;
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (/^[ \t]/.test(line) && last !== null) {
      const current = fields[last]!;
      if (typeof current === 'string') fields[last] = `${current} ${line.trim()}`.trim();
      else current.push(`${current.pop() ?? ''} ${line.trim()}`.trim());
    } else if (colon > 0 && /^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) {
      last = line.slice(0, colon);
      addField(fields, last, line.slice(colon + 1).trim());
    } else {
      problems.push(`a line of ${label} is not "Name: value": ${quote(line)}`);
      last = null;
    }
  }
}

function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const segments = (value ?? 'text/plain').match(/(?:[^;"]|"(?:[^"\\]|\\.)*"?)+/g) ?? [];
  const params = new Map<string, string>();
  for (const segment of segments.slice(1)) {
    const eq = segment.indexOf('=');
    if (eq === -1) continue;
    let key = segment.slice(0, eq).trim().toLowerCase();
    let v = segment.slice(eq + 1).trim();
    if (v.startsWith('"')) v = v.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
    if (key.endsWith('*')) {
      key = key.slice(0, -1);
      try {
        v = decodeURIComponent(v.replace(/^[^']*'[^']*'/, ''));
      } catch {
        // Kept as written when the percent-encoding is broken.
      }
    }
    params.set(key, v);
  }
  return { type: (segments[0] ?? '').trim().toLowerCase() || 'text/plain', params };
}

function decodeQp(raw: Buffer): Buffer {
  const s = raw.toString('latin1').replace(/=\r?\n/g, '');
  return Buffer.from(s.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

const partName = (e: Entity): string | undefined =>
  e.params.get('name') ?? contentType(`x/x;${e.headers.get('content-disposition') ?? ''}`).params.get('filename');

function mailFrom(value: string | undefined): string | null {
  if (!value) return null;
  const [a] = addressParser(value);
  const address = a && 'address' in a ? a.address : undefined;
  return address ? address.toLowerCase() : null;
}

// ---------------------------------------------------------------- values

function addField(fields: Fields, name: string, value: string | string[]): void {
  if (!Object.hasOwn(fields, name)) {
    // defineProperty: a field named __proto__ must stay a field, not a prototype.
    Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  fields[name] = [...asArray(fields[name]!), ...asArray(value)];
}

const asArray = (v: string | string[]): string[] => (typeof v === 'string' ? [v] : v);
const first = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : v?.[0]);

/** The first value of a field; names compare as written, then without case (RFC 5322 names have none). */
function field(fields: Fields, name: string): string | null {
  if (Object.hasOwn(fields, name)) return first(fields[name]) ?? null;
  const lower = name.toLowerCase();
  const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
  return key === undefined ? null : (first(fields[key]) ?? null);
}
const text = (b: Buffer): string => b.toString('utf8');
const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
const asIp = (s: string): string | undefined => {
  const bare = s.trim().replace(/^\[(.*)\]$/, '$1');
  return normaliseIpv4(bare)?.value ?? normaliseIpv6(bare)?.value;
};

function ipOrProblem(value: string | null, name: string, problems: string[]): string | null {
  if (value === null) return null;
  const ip = asIp(value);
  if (ip === undefined) problems.push(`${name} is not an IP address: ${quote(value)}`);
  return ip ?? null;
}

function portOrProblem(value: string | null, name: string, problems: string[]): number | null {
  if (value === null || value.trim() === '') return null;
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (port >= 0 && port <= 65535) return port;
  problems.push(`${name} is not a port number: ${quote(value)}`);
  return null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = { ut: 0, utc: 0, gmt: 0, z: 0, est: -5, edt: -4, cst: -6, cdt: -5, mst: -7, mdt: -6, pst: -8, pdt: -7 };

/**
 * RFC 5322 dates (`Tue, 19 Jan 2016 14:32:40 -0500 (EST)`) and ISO 8601, as UTC.
 * Read without the host's time zone: a date without a zone is read as UTC and
 * said so in problems.
 */
function isoDate(value: string | null, name: string, problems: string[]): string | null {
  if (value === null || value.trim() === '') return null;
  if (value.length > 200) {
    problems.push(`${name} is not a date that can be read: ${quote(value)}`);
    return null;
  }
  const v = value.replace(/\([^)]*\)/g, ' ').trim();
  let utc: number | undefined;
  let hasZone = true;
  const rfc = /^(?:[a-z]{3},?\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,3})?$/i.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(v);
  if (rfc) {
    const [, d, mon, y, h, min, sec, zone] = rfc;
    const month = MONTHS.indexOf(mon!.toLowerCase());
    const year = y!.length === 2 ? Number(y) + (Number(y) < 50 ? 2000 : 1900) : Number(y);
    const offset = zone === undefined ? 0 : /^[+-]/.test(zone) ? offsetMinutes(zone) : (ZONES[zone.toLowerCase()] ?? NaN) * 60;
    hasZone = zone !== undefined;
    if (month !== -1) utc = Date.UTC(year, month, Number(d), Number(h), Number(min), Number(sec ?? 0)) - offset * 60_000;
  } else if (iso) {
    const [, y, mo, d, h, min, sec, zone] = iso;
    hasZone = zone !== undefined || h === undefined;
    const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 0 : offsetMinutes(zone);
    utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(min ?? 0), Number(sec ?? 0)) - offset * 60_000;
  }
  if (utc === undefined || Number.isNaN(utc)) {
    problems.push(`${name} is not a date that can be read: ${quote(value)}`);
    return null;
  }
  if (!hasZone) problems.push(`${name} has no time zone and is read as UTC: ${quote(value)}`);
  return new Date(utc).toISOString();
}

function offsetMinutes(zone: string): number {
  const digits = zone.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return digits.startsWith('-') ? -minutes : minutes;
}
