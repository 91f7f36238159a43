import { basename } from 'node:path';
import type { Actor } from '../domain/actor.js';
import type { AbuseStepFacts } from '../domain/abuse-contact.js';
import { AppError } from '../domain/errors.js';
import { formatAddress } from '../domain/ip-range-index.js';
import { readRegistryFile } from '../formats/registry.js';
import { parseSecurityTxt, verifySecurityTxt } from '../formats/security-txt.js';
import { getDomain } from 'tldts';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import { chooseContact } from './contact-choice.js';
import type { ServiceDeps } from './deps.js';
import { lookupOwner, type OwnerLookup } from './owner-lookup.service.js';

const addressText = (family: 4 | 6, v: number | bigint) =>
  family === 4 ? formatAddress({ family: 4, value: Number(v) }) : formatAddress({ family: 6, value: BigInt(v) });

export interface AbuseContactStep {
  source: 'directory' | 'registry' | 'security.txt';
  found: boolean;
  /** What this step looked at and what it found, in plain words (English). */
  detail: string;
  facts: AbuseStepFacts;
  /** How fresh the data is: when the directory record changed, or the registry file was imported. */
  asOf: string | null;
}

export interface AbuseContact {
  email: string;
  name: string | null;
  organisation: string | null;
  organisationId: string | null;
  country: string | null;
  /** Where the answer came from: `directory`, or `registry:<source>`. */
  source: string;
  asOf: string | null;
  /** Why this address (e.g. the 24/7 contact because the abuse desk is closed now). */
  reason: string;
}

export interface AbuseContactAnswer {
  query: string;
  subject: OwnerLookup['subject'];
  contact: AbuseContact | null;
  steps: AbuseContactStep[];
}

/**
 * "Whom do I tell about 198.51.100.23?", step by step: the contact
 * directory first (longest-prefix range, longest-suffix domain, AS number —
 * with the 24/7 contact when the abuse desk is outside office hours), then
 * the imported registry data (RIR ranges → abuse mailbox) for addresses,
 * the site's security.txt for names. Each step says what it found and how
 * fresh its data is.
 */
export async function resolveAbuseContact(deps: ServiceDeps, actor: Actor, query: string): Promise<AbuseContactAnswer> {
  const owner = await lookupOwner(deps, actor, query);
  const steps: AbuseContactStep[] = [];
  let contact: AbuseContact | null = null;

  const best = owner.matches.find((m) => m.isMostSpecific);
  const org = best ? await deps.store.organisations.findById(best.organisation.id) : undefined;
  const directoryFacts = {
    kind: 'directory' as const,
    subject: owner.subject.value,
    owner: best
      ? { resource: best.resource.value, resourceKind: best.resource.kind, organisations: owner.matches.filter((m) => m.isMostSpecific).map((m) => m.organisation.name) }
      : null,
    lessSpecific: owner.matches.filter((m) => !m.isMostSpecific).map((m) => ({ resource: m.resource.value, organisation: m.organisation.name })),
  };
  if (org && org.contacts.length > 0) {
    const chosen = chooseContact(org, 'takedown', undefined, deps.clock());
    contact = {
      email: chosen.contact.email,
      name: chosen.contact.name,
      organisation: org.name,
      organisationId: org.id,
      country: org.country,
      source: 'directory',
      asOf: org.updatedAt,
      reason: chosen.reason,
    };
    steps.push({
      source: 'directory',
      found: true,
      detail: `${owner.explanation} Contact: ${chosen.contact.email} (${chosen.reason}).`,
      facts: { ...directoryFacts, contact: { email: chosen.contact.email, why: chosen.why }, withoutContact: null },
      asOf: org.updatedAt,
    });
  } else {
    steps.push({
      source: 'directory',
      found: false,
      detail: org ? `${owner.explanation} ${org.name} has no contact address in the directory.` : owner.explanation,
      facts: { ...directoryFacts, contact: null, withoutContact: org ? org.name : null },
      asOf: org?.updatedAt ?? null,
    });
  }

  if (owner.subject.type === 'ip') {
    const lookup = await deps.registryIndex.get(deps.store);
    const range = lookup.lookup(owner.subject.value);
    const sources = range ? await deps.store.registry.sources() : [];
    const asOf = sources.find((s) => s.source === range?.source)?.importedAt ?? null;
    if (!range) {
      steps.push({
        source: 'registry',
        found: false,
        detail: lookup.size ? `No imported registry range contains ${owner.subject.value}.` : 'No registry data is imported (renkei import registry FILE).',
        facts: { kind: 'registry', subject: owner.subject.value, isImported: lookup.size > 0, range: null },
        asOf: null,
      });
    } else {
      const span = `${addressText(range.family, range.first)} – ${addressText(range.family, range.last)}`;
      const who = [range.netname, range.orgName, range.country].filter(Boolean).join(', ');
      steps.push({
        source: 'registry',
        found: Boolean(range.abuseEmail),
        detail: `${owner.subject.value} is in ${span}${who ? ` (${who})` : ''} from ${range.source}${range.abuseEmail ? `; abuse mailbox ${range.abuseEmail}` : '; it names no abuse mailbox'}.`,
        facts: {
          kind: 'registry',
          subject: owner.subject.value,
          isImported: true,
          range: {
            from: addressText(range.family, range.first),
            to: addressText(range.family, range.last),
            names: [range.netname, range.orgName, range.country].filter((n): n is string => Boolean(n)),
            source: range.source,
            abuseEmail: range.abuseEmail ?? null,
          },
        },
        asOf,
      });
      if (!contact && range.abuseEmail)
        contact = {
          email: range.abuseEmail,
          name: null,
          organisation: range.orgName ?? range.netname,
          organisationId: null,
          country: range.country,
          source: `registry:${range.source}`,
          asOf,
          reason: 'abuse mailbox of the most specific registry range',
        };
    }
  }
  if (owner.subject.type === 'domain') {
    const found = await securityTxtStep(deps, owner.subject.value, originOf(query));
    steps.push(found.step);
    if (!contact && found.contact) contact = found.contact;
  }
  return { query, subject: owner.subject, contact, steps };
}

const SECURITY_TXT_PROFILE = { name: 'security.txt', userAgent: 'Renkei CSIRT (security.txt lookup; RFC 9116)', acceptLanguage: 'en, ja' };

/** The origin to ask when the query was a URL with its own port (`https://host:8443/…`); otherwise https on the default port. */
function originOf(query: string): { scheme: string; port: string } {
  try {
    const u = new URL(query.trim());
    if (u.protocol === 'https:' || u.protocol === 'http:') return { scheme: 'https:', port: u.port ? `:${u.port}` : '' };
  } catch {
    // not a URL: a domain or e-mail address
  }
  return { scheme: 'https:', port: '' };
}

/**
 * RFC 9116: https://HOST/.well-known/security.txt for the host, then for its
 * registrable domain — through the same guarded fetch as liveness checks.
 * A signed file is verified with a directory key of one of its contacts, or
 * the key its Encryption field points to on the same host. An expired file
 * is reported and not used.
 */
async function securityTxtStep(deps: ServiceDeps, host: string, origin: { scheme: string; port: string }): Promise<{ step: AbuseContactStep; contact: AbuseContact | null }> {
  const hosts = [...new Set([host, getDomain(host) ?? host])];
  const tried: { url: string; outcome: string }[] = [];
  for (const h of hosts) {
    const url = `${origin.scheme}//${h}${origin.port}/.well-known/security.txt`;
    const outcome = await deps.fetchSite(url, SECURITY_TXT_PROFILE);
    if (outcome.status !== 200 || !outcome.body) {
      tried.push({ url, outcome: String(outcome.status ?? outcome.error) });
      continue;
    }
    const text = outcome.body.toString('utf8');
    const parsed = parseSecurityTxt(text);
    const now = deps.clock();
    let signature: Awaited<ReturnType<typeof verifySecurityTxt>> = { status: 'unsigned', fingerprint: null };
    if (parsed.isSigned) {
      // Keys the directory holds for the file's contacts, or for any contact at the site's own domain (a tampered file may name another address).
      const site = getDomain(h) ?? h;
      const directoryKeys = (await deps.store.organisations.contactKeys())
        .filter((k) => parsed.emails.includes(k.email.toLowerCase()) || getDomain(k.email.split('@')[1] ?? '') === site)
        .map((k) => k.pgpKey);
      signature = await verifySecurityTxt(text, directoryKeys);
      const keyUrl = parsed.encryption.find((e) => e.startsWith(`${origin.scheme}//${h}`));
      if (signature.status === 'unknown-key' && keyUrl) {
        const key = await deps.fetchSite(keyUrl, SECURITY_TXT_PROFILE);
        if (key.status === 200 && key.body) signature = await verifySecurityTxt(text, [key.body.toString('utf8')]);
      }
    }
    const expired = parsed.expires !== null && parsed.expires <= now.toISOString();
    const sig = parsed.isSigned ? `signature ${signature.status}${signature.fingerprint ? ` (key ${signature.fingerprint})` : ''}` : 'not signed';
    const email = parsed.emails[0] ?? null;
    const detail = `${url}: ${parsed.contacts.length ? `Contact ${parsed.contacts.join(', ')}` : 'no Contact'}; Expires ${parsed.expires ?? 'missing'}${expired ? ' — EXPIRED, not used' : ''}; ${sig}${
      parsed.preferredLanguages.length ? `; languages ${parsed.preferredLanguages.join(', ')}` : ''
    }${parsed.problems.length ? `; problems: ${parsed.problems.join('; ')}` : ''}.`;
    const usable = !expired && email !== null && signature.status !== 'invalid';
    return {
      step: {
        source: 'security.txt',
        found: usable,
        detail,
        facts: {
          kind: 'security.txt',
          tried,
          file: {
            url,
            contacts: parsed.contacts,
            expires: parsed.expires,
            isExpired: expired,
            signature: signature.status,
            fingerprint: signature.fingerprint,
            languages: parsed.preferredLanguages,
            problems: parsed.problems,
          },
        },
        asOf: now.toISOString(),
      },
      contact: usable
        ? { email, name: null, organisation: h, organisationId: null, country: null, source: 'security.txt', asOf: now.toISOString(), reason: `security.txt of ${h} (${sig})` }
        : null,
    };
  }
  return {
    step: {
      source: 'security.txt',
      found: false,
      detail: `No security.txt: ${tried.map((t) => `${t.url}: ${t.outcome}`).join('; ')}.`,
      facts: { kind: 'security.txt', tried, file: null },
      asOf: null,
    },
    contact: null,
  };
}

/** Load a registry file (RPSL bulk export or delegated statistics, optionally .gz) as one source, replacing its earlier import. */
export async function importRegistry(
  deps: ServiceDeps,
  actor: Actor,
  file: string,
  options: { source?: string; format?: 'rpsl' | 'delegated' } = {},
): Promise<{ source: string; format: string; ranges: number; withAbuseMailbox: number; problems: string[]; problemCount: number }> {
  assertCan(actor, 'directory.write');
  let read;
  try {
    read = await readRegistryFile(file, options.format);
  } catch (err) {
    throw new AppError('VALIDATION', `cannot read ${file}: ${(err as Error).message}`);
  }
  const source = options.source ?? basename(file).replace(/\.gz$/, '');
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.registry.replaceSource(
      { source, format: read.format, file: basename(file), ranges: read.ranges.length, importedAt: at, importedBy: actor.id },
      read.ranges.map((r) => ({ family: r.family, first: r.first, last: r.last, netname: r.netname, orgName: r.orgName, country: r.country, abuseEmail: r.abuseEmail, registry: r.registry })),
    );
    await audit(tx, actor, 'registry.import', { type: 'registry', id: source }, { ranges: read.ranges.length, format: read.format, problems: read.problemCount });
  });
  deps.registryIndex.invalidate();
  return {
    source,
    format: read.format,
    ranges: read.ranges.length,
    withAbuseMailbox: read.ranges.filter((r) => r.abuseEmail).length,
    problems: read.problems,
    problemCount: read.problemCount,
  };
}
