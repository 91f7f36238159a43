import { describe, expect, it } from 'vitest';
import { detectLanguage } from './mail.js';

/** The rule stated plainly (all matches collected), to check the counting one against. */
function plainRule(text: string): 'ja' | 'en' | null {
  const sample = text.slice(0, 20_000);
  const ja = (sample.match(/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/gu) ?? []).length;
  const latin = (sample.match(/[A-Za-z]/g) ?? []).length;
  if (ja + latin === 0) return null;
  return ja >= 10 || ja / (ja + latin) > 0.2 ? 'ja' : 'en';
}

describe('detectLanguage', () => {
  it('is Japanese from the tenth kana or kanji, however much English surrounds them', () => {
    expect(detectLanguage(`${'phishing report '.repeat(500)}フィッシングサイトの報告`)).toBe('ja');
    expect(detectLanguage('フィッシングサイト')).toBe('ja'); // nine letters and nothing else
  });

  it('weighs a few Japanese letters against the Latin ones: more than a fifth is Japanese', () => {
    expect(detectLanguage('Fake 銀行 sit')).toBe('ja'); // 2 of 9
    expect(detectLanguage('Fake 銀行 site')).toBe('en'); // 2 of 10: a fifth exactly
    expect(detectLanguage('ABCDEFG 漢字')).toBe('ja'); // upper case counts as Latin too
    expect(detectLanguage('Please see the attached log. 宜しく')).toBe('en');
  });

  it('knows nothing from digits, punctuation, other scripts and empty text', () => {
    expect(detectLanguage('203.0.113.7 -> 198.51.100.2:443')).toBeNull();
    expect(detectLanguage('Ωμέγα — ٣٤٥ — [@`{]')).toBeNull();
    expect(detectLanguage('')).toBeNull();
  });

  it('gives what the plain rule gives on mixed texts, ー and full-width letters included', () => {
    const parts = ['phishing', 'フィッシング', 'ー', '詐欺', 'ＡＢＣ', ' ', '203.0.113.7', 'ｶﾀｶﾅ', '𠮷野家', 'Z', '@[`{', 'サイト'];
    let seed = 7;
    const pick = () => parts[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % parts.length]!;
    for (let n = 0; n < 500; n++) {
      const text = Array.from({ length: n % 23 }, pick).join('');
      expect(detectLanguage(text), text).toBe(plainRule(text));
    }
  });
});
