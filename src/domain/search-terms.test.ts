import { describe, expect, it } from 'vitest';
import { documentTerms, queryPhrases } from './search-terms.js';

const terms = (q: string) => queryPhrases(q).map((p) => p.map((t) => (t.isPrefix ? `${t.term}*` : t.term)));

describe('documentTerms', () => {
  it('splits Japanese runs into bigrams plus the last character', () => {
    expect(documentTerms('偽サイトに注意')).toEqual(['偽サ', 'サイ', 'イト', 'トに', 'に注', '注意', '意']);
  });
  it('keeps Latin words lower-cased and splits URLs and IPs at punctuation', () => {
    expect(documentTerms('See https://Evil.example/jp/ from 203.0.113.77')).toEqual([
      'see', 'https', 'evil', 'example', 'jp', 'from', '203', '0', '113', '77',
    ]);
  });
  it('normalises full-width letters and half-width katakana', () => {
    expect(documentTerms('ＵＲＬはｻｲﾄ')).toEqual(['url', 'はサ', 'サイ', 'イト', 'ト']);
  });
  it('survives lone surrogates and control characters', () => {
    expect(documentTerms('a\uD800b\u0000c 詐欺')).toEqual(['a', 'b', 'c', '詐欺', '欺']);
  });
});

describe('queryPhrases', () => {
  it('turns a Japanese word into a phrase of bigrams', () => {
    expect(terms('偽サイト')).toEqual([['偽サ', 'サイ', 'イト']]);
  });
  it('keeps a two-character word as one term', () => {
    expect(terms('詐欺')).toEqual([['詐欺']]);
  });
  it('makes a one-character word a prefix term', () => {
    expect(terms('欺')).toEqual([['欺*']]);
  });
  it('ands whitespace-separated parts', () => {
    expect(terms('詐欺 203.0.113.77')).toEqual([['詐欺'], ['203', '0', '113', '77']]);
  });
  it('finds every substring of a document run as an in-order sub-sequence', () => {
    const doc = documentTerms('不正送金を狙う偽サイト');
    for (const q of ['不正', '送金', 'サイト', '狙う偽']) {
      const phrase = queryPhrases(q)[0]!.map((t) => t.term);
      const at = doc.findIndex((_, i) => phrase.every((t, j) => doc[i + j] === t));
      expect(at, q).toBeGreaterThanOrEqual(0);
    }
  });
  it('matches a Japanese word that runs straight into Latin letters', () => {
    const doc = documentTerms('不正アクセスPCを確認。感染URLは次の通り');
    for (const q of ['アクセスPC', '感染URL', 'スPC', 'PCを確認']) {
      const phrase = queryPhrases(q)[0]!;
      const at = doc.findIndex((_, i) => phrase.every((t, j) => (t.isPrefix ? doc[i + j]?.startsWith(t.term) : doc[i + j] === t.term)));
      expect(at, q).toBeGreaterThanOrEqual(0);
    }
  });
  it('returns nothing for punctuation only', () => {
    expect(queryPhrases('  ... !!! ')).toEqual([]);
  });
});
