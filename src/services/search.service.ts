import { z } from 'zod';
import type { PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import { INCIDENT_STATUSES } from '../domain/incident-lifecycle.js';
import { detectObservable } from '../domain/observables/index.js';
import type { Report } from '../domain/report.js';
import { normalise, queryPhrases } from '../domain/search-terms.js';
import { CATEGORIES } from '../domain/taxonomy.js';
import { TLP_LABELS } from '../domain/tlp.js';
import { instant } from '../domain/text.js';
import { accessScope } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { parseInput } from './validate.js';

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item).max(20));

export const SearchQuerySchema = z.strictObject({
  q: z.string().max(1000).default(''),
  kind: z.enum(['all', 'report', 'incident']).default('all'),
  status: list(z.enum(INCIDENT_STATUSES)).optional(),
  category: list(z.enum(CATEGORIES)).optional(),
  tlp: list(z.enum(TLP_LABELS)).optional(),
  owner: z.string().max(320).optional(),
  from: instant().optional(),
  to: instant().optional(),
  /** Only documents that contain this observable (any form a handler pastes). */
  observable: z.string().max(8192).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type SearchQuery = z.input<typeof SearchQuerySchema>;

export interface SearchHit<T> {
  item: T;
  /** Up to ~160 characters around the first occurrence of the query. */
  snippet: string | null;
}

export interface SearchResult {
  incidents: PageResult<SearchHit<Incident>>;
  reports: PageResult<SearchHit<Omit<Report, 'body'>>>;
}

/**
 * Full-text search over reports and incidents, Japanese included (see
 * domain/search-terms.ts), with filters. Both lists are scoped by the policy.
 */
export async function search(deps: ServiceDeps, actor: Actor, input: SearchQuery): Promise<SearchResult> {
  const query = parseInput(SearchQuerySchema, input);
  const phrases = queryPhrases(query.q);
  const scope = accessScope(actor);
  let observableId: string | undefined;
  if (query.observable) {
    const detected = detectObservable(query.observable);
    if (!detected)
      throw new AppError('VALIDATION', 'the observable filter is not a recognised observable', {
        issues: [{ path: ['observable'], message: 'not an IP, domain, URL, e-mail address, hash, CVE or AS number' }],
      });
    observableId = (await deps.store.observables.find(detected.type, detected.value))?.id ?? 'none';
  }
  if (phrases.length === 0 && !observableId && query.q.trim())
    throw new AppError('VALIDATION', 'the query has no searchable words', { issues: [{ path: ['q'], message: 'no words to search for' }] });
  const page = { limit: query.limit, offset: query.offset };
  const empty = { items: [], total: 0, totalIsExact: true, ...page };
  const incidentFilter = {
    status: query.status,
    category: query.category,
    tlp: query.tlp,
    owner: query.owner,
  };
  const [incidents, reports] = await Promise.all([
    query.kind === 'report'
      ? empty
      : deps.store.incidents.list(
          scope,
          { ...incidentFilter, createdFrom: query.from, createdTo: query.to, observableId, text: phrases },
          { by: 'createdAt', direction: 'desc' },
          page,
        ),
    query.kind === 'incident'
      ? empty
      : deps.store.reports.list(
          scope,
          { receivedFrom: query.from, receivedTo: query.to, observableId, text: phrases, incident: incidentFilter },
          page,
        ),
  ]);
  return {
    incidents: {
      ...incidents,
      items: incidents.items.map((i) => ({ item: i, snippet: snippet([i.title, i.summary ?? ''].join('\n'), query.q) })),
    },
    reports: {
      ...reports,
      items: reports.items.map(({ body, ...r }) => ({ item: r, snippet: snippet(body, query.q) })),
    },
  };
}

/** The text around the first occurrence of the query's first part (normalised the same way as the index). */
export function snippet(text: string, q: string): string | null {
  const first = q.trim().split(/\s+/)[0];
  if (!first) return null;
  const hay = normalise(text);
  const at = hay.indexOf(normalise(first));
  if (at < 0) return null;
  const start = Math.max(0, at - 60);
  const end = Math.min(hay.length, at + first.length + 100);
  return (start > 0 ? '…' : '') + text.slice(start, end).replace(/\s+/g, ' ').trim() + (end < hay.length ? '…' : '');
}
