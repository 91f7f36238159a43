import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { detectObservable } from '../domain/observables/index.js';
import { domainAndParents } from '../domain/resource.js';
import type { Organisation } from '../store/repositories/organisation.repository.js';
import { assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';

export interface OwnerMatch {
  organisation: Pick<Organisation, 'id' | 'name' | 'kind' | 'country' | 'trustLevel'>;
  /** The directory record that matched: `203.0.113.0/24`, `example.jp`, `AS64500`. */
  resource: { kind: 'ip-range' | 'domain' | 'asn'; value: string };
  /** For IP ranges and domains: how specific the match is (prefix length, or labels of the domain). */
  specificity: number;
  isMostSpecific: boolean;
}

export interface OwnerLookup {
  query: string;
  /** What the query was taken to be, normalised. */
  subject: { type: 'ip' | 'domain' | 'asn'; value: string };
  matches: OwnerMatch[];
  /** Plain-language account of which record matched and why (English; the UI localises from `matches`). */
  explanation: string;
  source: 'directory';
}

/**
 * "Who owns 203.0.113.77?": the directory's most specific range (longest
 * prefix), domain (longest suffix) or AS number, with every other record that
 * also matched and an explanation. A URL or e-mail address is looked up by
 * its host.
 */
export async function lookupOwner(deps: ServiceDeps, actor: Actor, query: string): Promise<OwnerLookup> {
  assertCan(actor, 'directory.read');
  const subject = toSubject(query);
  const orgIds: { id: string; resource: OwnerMatch['resource']; specificity: number }[] = [];
  if (subject.type === 'ip') {
    const found = (await deps.directoryIndex.get(deps.store)).lookup(subject.value);
    if (found)
      for (const m of [found.best, ...found.covering])
        orgIds.push({ id: m.value, resource: { kind: 'ip-range', value: m.cidr }, specificity: m.prefixLength });
  } else if (subject.type === 'domain') {
    const names = domainAndParents(subject.value);
    for (const r of await deps.store.organisations.resourcesMatching('domain', names))
      orgIds.push({ id: r.organisationId, resource: { kind: 'domain', value: r.value }, specificity: r.value.split('.').length });
    orgIds.sort((a, b) => b.specificity - a.specificity);
  } else {
    for (const r of await deps.store.organisations.resourcesMatching('asn', [subject.value]))
      orgIds.push({ id: r.organisationId, resource: { kind: 'asn', value: r.value }, specificity: 1 });
  }
  const orgs = new Map((await deps.store.organisations.findManyById([...new Set(orgIds.map((o) => o.id))])).map((o) => [o.id, o]));
  const top = orgIds[0]?.specificity;
  const matches: OwnerMatch[] = orgIds
    .filter((m) => orgs.has(m.id))
    .map((m) => {
      const o = orgs.get(m.id)!;
      return {
        organisation: { id: o.id, name: o.name, kind: o.kind, country: o.country, trustLevel: o.trustLevel },
        resource: m.resource,
        specificity: m.specificity,
        isMostSpecific: m.specificity === top,
      };
    });
  return { query, subject, matches, explanation: explain(subject, matches), source: 'directory' };
}

function toSubject(query: string): OwnerLookup['subject'] {
  const o = detectObservable(query);
  const fail = () =>
    new AppError('VALIDATION', `"${query.slice(0, 100)}" is not an IP address, domain, URL, e-mail address or AS number`, {
      issues: [{ path: ['q'], message: 'nothing to look up' }],
    });
  if (!o) throw fail();
  switch (o.type) {
    case 'ipv4':
    case 'ipv6':
      return { type: 'ip', value: o.value };
    case 'cidr':
      return { type: 'ip', value: o.value.split('/')[0]! };
    case 'domain':
      return { type: 'domain', value: o.value };
    case 'asn':
      return { type: 'asn', value: o.value };
    case 'url':
    case 'email': {
      const host = o.type === 'url' ? new URL(o.value).hostname.replace(/^\[|\]$/g, '') : o.value.split('@')[1]!;
      return toSubject(host);
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'cve':
      throw fail();
  }
}

function explain(subject: OwnerLookup['subject'], matches: OwnerMatch[]): string {
  if (matches.length === 0) return `No organisation in the directory owns ${subject.value}.`;
  const best = matches.filter((m) => m.isMostSpecific);
  const others = matches.filter((m) => !m.isMostSpecific);
  const how = (m: OwnerMatch) =>
    m.resource.kind === 'ip-range' ? `is inside ${m.resource.value}` : m.resource.kind === 'domain' ? `is under ${m.resource.value}` : `is ${m.resource.value}`;
  let text = `${subject.value} ${how(best[0]!)}, owned by ${best.map((m) => m.organisation.name).join(' and ')}`;
  text += best.length > 1 ? ' (the same record is claimed by more than one organisation).' : '.';
  if (others.length)
    text += ` Less specific records also match: ${others.map((m) => `${m.resource.value} (${m.organisation.name})`).join(', ')}; the most specific wins.`;
  return text;
}
