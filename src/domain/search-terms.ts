/**
 * Tokenisation for full-text search that works for Japanese.
 *
 * Japanese has no spaces and many words are one or two characters (詐欺, 偽物),
 * so a word index finds nothing and a trigram index cannot serve two-character
 * words. Text is split into runs: Latin/digit runs become lower-case words, CJK
 * runs (kanji, kana) become overlapping bigrams plus the run's last character,
 * so any substring of two or more CJK characters is an exact phrase of bigrams,
 * and a one-character term is a prefix match. Both databases index the same
 * terms with positions (SQLite FTS5, PostgreSQL tsvector), and a query is a
 * phrase of terms: `偽サイト` → 偽サ サイ イト, `203.0.113.77` → 203 0 113 77.
 */

/** Han, Hiragana, Katakana (incl. ー), Hangul, CJK symbols that carry meaning. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々〆ヵヶ]/u;
/** A run of either word characters or CJK characters. */
const RUN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々〆ヵヶ]+|[[\p{L}\p{N}\p{M}]--[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々〆ヵヶ]]+/gv;

/** Longest term kept (longer Latin tokens are cut; they still match by their prefix). */
const MAX_TERM = 64;

/** Terms of a document, in order, for a positional index. */
export function documentTerms(text: string): string[] {
  const out: string[] = [];
  for (const run of runs(text)) {
    if (run.cjk) {
      const chars = [...run.text];
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
      out.push(chars[chars.length - 1]!);
    } else {
      out.push(run.text.slice(0, MAX_TERM));
    }
  }
  return out;
}

export interface QueryTerm {
  term: string;
  /** A one-character CJK term matches any term starting with it. */
  isPrefix: boolean;
}

/**
 * A query string → phrases (one per whitespace-separated part, all required).
 * Each phrase is the sequence of terms that must appear adjacent and in order.
 */
export function queryPhrases(query: string): QueryTerm[][] {
  const phrases: QueryTerm[][] = [];
  for (const part of normalise(query).split(/\s+/)) {
    const phrase: QueryTerm[] = [];
    const partRuns = [...runs(part)];
    for (const [k, run] of partRuns.entries()) {
      if (run.cjk) {
        const chars = [...run.text];
        const isLast = k === partRuns.length - 1;
        if (chars.length === 1) phrase.push({ term: chars[0]!, isPrefix: isLast });
        else {
          for (let i = 0; i + 1 < chars.length; i++) phrase.push({ term: chars[i]! + chars[i + 1]!, isPrefix: false });
          // The document has the run's last character after its bigrams; a run followed by more text must match it too.
          if (!isLast) phrase.push({ term: chars[chars.length - 1]!, isPrefix: false });
        }
      } else {
        const term = run.text.slice(0, MAX_TERM);
        phrase.push({ term, isPrefix: run.text.length > MAX_TERM });
      }
    }
    if (phrase.length) phrases.push(phrase);
  }
  return phrases;
}

/** NFKC (full-width → half-width, half-width kana → full-width), lower case, no control characters. */
export function normalise(text: string): string {
  // toWellFormed drops lone surrogates that would otherwise break the databases' encoders.
  return text.toWellFormed().normalize('NFKC').toLowerCase();
}

function* runs(text: string): Generator<{ text: string; cjk: boolean }> {
  for (const m of normalise(text).matchAll(RUN)) {
    yield { text: m[0], cjk: CJK.test(m[0][0]!) };
  }
}
