import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { QueryTerm } from '../../domain/search-terms.js';
import type { DialectName } from '../database.js';
import type { DB } from '../schema.js';

export const SEARCH_KINDS = ['report', 'incident'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/**
 * A PostgreSQL tsvector keeps positions only up to 16,383 and at most 256
 * positions per lexeme, so long documents are indexed there as overlapping
 * segments (small enough that a frequent bigram keeps all its positions) and
 * a phrase is found wherever it is. FTS5 has no such limits: one segment.
 */
const PG_SEGMENT = 2_000;
const OVERLAP = 64;
/** Rows a statement at most (well under both databases' limits on parameters). */
const CHUNK = 500;

/**
 * The full-text index: our own terms (domain/search-terms.ts) stored with
 * positions in SQLite FTS5 or a PostgreSQL tsvector + GIN, one row per
 * document segment in `search_doc`.
 */
export function createSearchRepository(db: Kysely<DB>, dialect: DialectName) {
  return {
    /** Index a document, replacing what was indexed for it. */
    async index(kind: SearchKind, refId: string, terms: string[]): Promise<void> {
      await this.remove(kind, refId);
      await this.indexNew(kind, [{ refId, terms }]);
    },

    /**
     * Index documents that have nothing indexed yet (rows just inserted), a
     * statement or two for all of them: a group of new reports at intake.
     */
    async indexNew(kind: SearchKind, docs: { refId: string; terms: string[] }[]): Promise<void> {
      const rows = docs.flatMap(({ refId, terms }) => (dialect === 'postgres' ? pgSegments(terms) : [terms]).map((segment) => ({ refId, segment })));
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        if (dialect === 'postgres') {
          const values = chunk.map(({ refId, segment }) => sql`(${kind}, ${refId}, ${tsvectorLiteral(segment)}::tsvector)`);
          await sql`insert into search_doc (kind, ref_id, terms) values ${sql.join(values)}`.execute(db);
          continue;
        }
        // One segment per document on SQLite, so a document's row is found by its ref_id (RETURNING keeps no order).
        const ids = await db
          .insertInto('search_doc')
          .values(chunk.map(({ refId }) => ({ kind, ref_id: refId })))
          .returning(['id', 'ref_id'])
          .execute();
        const idOf = new Map(ids.map((r) => [r.ref_id, r.id]));
        const values = chunk.map(({ refId, segment }) => sql`(${idOf.get(refId)!}, ${segment.join(' ')})`);
        await sql`insert into search_fts (rowid, terms) values ${sql.join(values)}`.execute(db);
      }
    },

    async remove(kind: SearchKind, refId: string): Promise<void> {
      if (dialect === 'sqlite') {
        await sql`delete from search_fts where rowid in (select id from search_doc where kind = ${kind} and ref_id = ${refId})`.execute(db);
      }
      await db.deleteFrom('search_doc').where('kind', '=', kind).where('ref_id', '=', refId).execute();
    },

  };
}

/**
 * A condition "`column` is the id of a `kind` document containing every
 * phrase", for the caller's own filtered, scoped query.
 */
export function textMatch(dialect: DialectName, kind: SearchKind, column: string, phrases: QueryTerm[][]): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  if (dialect === 'postgres')
    return sql<SqlBool>`${ref} in (select ref_id from search_doc where kind = ${kind} and terms @@ ${tsqueryLiteral(phrases)}::tsquery)`;
  return sql<SqlBool>`${ref} in (select ref_id from search_doc where kind = ${kind} and id in (select rowid from search_fts where search_fts match ${fts5Query(phrases)}))`;
}
export type SearchRepository = ReturnType<typeof createSearchRepository>;

/**
 * Cut a document into overlapping segments, each short enough that no term
 * occurs more than 256 times in it (tsvector drops later positions) and at
 * most PG_SEGMENT terms long. A phrase of up to OVERLAP terms is always whole
 * in some segment.
 */
export function pgSegments(terms: string[]): string[][] {
  const segments: string[][] = [];
  let start = 0;
  while (start < terms.length || segments.length === 0) {
    const counts = new Map<string, number>();
    let end = start;
    while (end < terms.length && end - start < PG_SEGMENT) {
      const n = (counts.get(terms[end]!) ?? 0) + 1;
      if (n > 256) break;
      counts.set(terms[end]!, n);
      end++;
    }
    segments.push(terms.slice(start, end));
    if (end >= terms.length) break;
    start = Math.max(start + 1, end - OVERLAP);
  }
  return segments;
}

const pgQuote = (term: string): string => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** `'偽サ':1 'サイ':2 …` — lexemes as given, no parser, no locale. Repeated terms keep every position. */
export function tsvectorLiteral(terms: string[]): string {
  const positions = new Map<string, number[]>();
  terms.forEach((term, i) => {
    const list = positions.get(term);
    if (list) list.push(i + 1);
    else positions.set(term, [i + 1]);
  });
  // tsvector keeps at most 256 positions per lexeme; the first ones are enough to find a phrase start.
  return [...positions].map(([term, pos]) => `${pgQuote(term)}:${pos.slice(0, 256).join(',')}`).join(' ');
}

/** Phrases as `'a' <-> 'b':*`, all required. */
export function tsqueryLiteral(phrases: QueryTerm[][]): string {
  return phrases
    .map((phrase) => '(' + phrase.map((t) => `${pgQuote(t.term)}${t.isPrefix ? ':*' : ''}`).join(' <-> ') + ')')
    .join(' & ');
}

/** Phrases as `"a" + "b" *`, all required (FTS5 implicit AND). */
export function fts5Query(phrases: QueryTerm[][]): string {
  return phrases
    .map((phrase) => phrase.map((t) => `"${t.term.replace(/"/g, '""')}"${t.isPrefix ? ' *' : ''}`).join(' + '))
    .join(' AND ');
}
