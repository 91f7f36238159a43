/**
 * Registry data for abuse-contact resolution: the RIRs' bulk database
 * exports in RPSL (inetnum / inet6num with their abuse-c role objects and
 * organisations, as RIPE, APNIC and AFRINIC publish them) and the RIRs'
 * delegated statistics files (`registry|cc|type|start|value|date|status`).
 * Read line by line: a file of millions of objects is never held whole.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { parseAddress } from '../domain/ip-range-index.js';

export interface RegistryRange {
  family: 4 | 6;
  first: number | bigint;
  last: number | bigint;
  netname: string | null;
  orgName: string | null;
  country: string | null;
  abuseEmail: string | null;
  /** The RIR that holds it, when the file says. */
  registry: string | null;
}

export interface RegistryRead {
  ranges: RegistryRange[];
  format: 'rpsl' | 'delegated';
  /** Lines or objects that could not be read, with why (the first 100). */
  problems: string[];
  problemCount: number;
}

function lines(path: string) {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/** Read a registry file, guessing its format from the first meaningful line unless told. */
export async function readRegistryFile(path: string, format?: 'rpsl' | 'delegated'): Promise<RegistryRead> {
  const out: RegistryRead = { ranges: [], format: format ?? 'rpsl', problems: [], problemCount: 0 };
  const problem = (p: string) => {
    out.problemCount++;
    if (out.problems.length < 100) out.problems.push(p);
  };
  const rpsl = new RpslReader(out.ranges, problem);
  let decided = format !== undefined;
  let n = 0;
  for await (const line of lines(path)) {
    n++;
    if (!decided) {
      if (line.trim() === '' || line.startsWith('#') || line.startsWith('%')) continue;
      out.format = /^[a-z]+\|/.test(line) || /^\d+(\.\d+)?\|/.test(line) ? 'delegated' : 'rpsl';
      decided = true;
    }
    if (out.format === 'delegated') readDelegated(line, n, out.ranges, problem);
    else rpsl.line(line);
  }
  if (out.format === 'rpsl') rpsl.end();
  return out;
}

// -- delegated statistics --------------------------------------------------

function readDelegated(line: string, n: number, ranges: RegistryRange[], problem: (p: string) => void): void {
  if (line.startsWith('#') || line.trim() === '') return;
  const f = line.split('|');
  // The version line (2|apnic|…) and summary lines (apnic|*|ipv4|*|…|summary) are not ranges.
  if (f.length < 7 || f[1] === '*' || /^\d/.test(f[0] ?? '')) return;
  const [registry, cc, type, start, value, , status] = f as [string, string, string, string, string, string, string];
  if (type !== 'ipv4' && type !== 'ipv6') return;
  if (status !== 'allocated' && status !== 'assigned') return;
  const first = parseAddress(start) ?? null;
  const count = Number(value);
  if (!first || !Number.isSafeInteger(count) || count < 1) {
    problem(`line ${n}: not a range: ${line.slice(0, 120)}`);
    return;
  }
  if (type === 'ipv4' && first.family === 4) {
    const last = first.value + count - 1;
    if (last > 0xffffffff) return problem(`line ${n}: range runs past the end of IPv4`);
    ranges.push({ family: 4, first: first.value, last, netname: null, orgName: null, country: cc || null, abuseEmail: null, registry });
  } else if (type === 'ipv6' && first.family === 6 && count <= 128) {
    const last = first.value | ((1n << BigInt(128 - count)) - 1n);
    ranges.push({ family: 6, first: first.value, last, netname: null, orgName: null, country: cc || null, abuseEmail: null, registry });
  } else problem(`line ${n}: ${type} value does not fit: ${line.slice(0, 120)}`);
}

// -- RPSL ------------------------------------------------------------------

interface PendingRange extends RegistryRange {
  abuseC: string | null;
  org: string | null;
}

/**
 * RPSL objects are paragraphs of `attribute: value` lines (continuation lines
 * start with a space, tab or `+`). Ranges name their abuse contact through
 * `abuse-c` (a role object's `nic-hdl`, whose `abuse-mailbox` is the
 * address) or through their `org` (an organisation object's `abuse-c`).
 */
class RpslReader {
  readonly #pending: PendingRange[] = [];
  readonly #roles = new Map<string, string>();
  readonly #orgs = new Map<string, { name: string | null; abuseC: string | null; mailbox: string | null }>();
  #attrs: [string, string][] = [];

  constructor(
    private readonly ranges: RegistryRange[],
    private readonly problem: (p: string) => void,
  ) {}

  line(line: string): void {
    if (line.trim() === '') return this.#flush();
    if (line.startsWith('%') || line.startsWith('#')) return;
    if (/^[ \t+]/.test(line) && this.#attrs.length) {
      this.#attrs[this.#attrs.length - 1]![1] += ` ${line.replace(/^[ \t+]+/, '').trim()}`;
      return;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m) this.#attrs.push([m[1]!.toLowerCase(), m[2]!.replace(/\s+#.*$/, '').trim()]);
  }

  end(): void {
    this.#flush();
    for (const r of this.#pending) {
      const org = r.org ? this.#orgs.get(r.org.toUpperCase()) : undefined;
      const abuseEmail =
        r.abuseEmail ?? (r.abuseC ? this.#roles.get(r.abuseC.toUpperCase()) : undefined) ?? (org?.abuseC ? this.#roles.get(org.abuseC.toUpperCase()) : undefined) ?? org?.mailbox ?? null;
      const { abuseC: _a, org: _o, ...range } = r;
      this.ranges.push({ ...range, abuseEmail, orgName: r.orgName ?? org?.name ?? null });
    }
  }

  #flush(): void {
    const attrs = this.#attrs;
    this.#attrs = [];
    if (attrs.length === 0) return;
    const [kind, key] = attrs[0]!;
    const get = (name: string) => attrs.find(([k]) => k === name)?.[1] ?? null;
    if (kind === 'role' || kind === 'person') {
      const handle = get('nic-hdl');
      const mailbox = get('abuse-mailbox');
      if (handle && mailbox) this.#roles.set(handle.toUpperCase(), mailbox);
    } else if (kind === 'organisation') {
      this.#orgs.set(key.toUpperCase(), { name: get('org-name'), abuseC: get('abuse-c'), mailbox: get('abuse-mailbox') });
    } else if (kind === 'inetnum' || kind === 'inet6num') {
      const range = kind === 'inetnum' ? v4Range(key) : v6Range(key);
      if (!range) return this.problem(`${kind} ${key.slice(0, 80)}: not a range`);
      this.#pending.push({
        ...range,
        netname: get('netname'),
        orgName: null,
        country: get('country')?.toUpperCase().slice(0, 2) ?? null,
        abuseEmail: get('abuse-mailbox'),
        registry: get('source')?.toLowerCase() ?? null,
        abuseC: get('abuse-c'),
        org: get('org'),
      });
    }
  }
}

function v4Range(text: string): Pick<RegistryRange, 'family' | 'first' | 'last'> | null {
  const [a, b] = text.split(/\s*-\s*/);
  const first = a ? parseAddress(a) : null;
  const last = b ? parseAddress(b) : first;
  if (!first || !last || first.family !== 4 || last.family !== 4 || last.value < first.value) return null;
  return { family: 4, first: first.value, last: last.value };
}

function v6Range(text: string): Pick<RegistryRange, 'family' | 'first' | 'last'> | null {
  const [addr, len] = text.split('/');
  const first = addr ? parseAddress(addr.trim()) : null;
  const prefix = Number(len);
  if (!first || first.family !== 6 || !Number.isInteger(prefix) || prefix < 0 || prefix > 128) return null;
  const host = (1n << BigInt(128 - prefix)) - 1n;
  return { family: 6, first: first.value & ~host, last: (first.value & ~host) | host };
}
