/**
 * Countries for the report form's optional "country or region" field: ISO
 * 3166-1 alpha-2 codes named in the reader's language by the browser
 * (Intl.DisplayNames), so no list is shipped. Codes the browser cannot
 * name, and codes that are not countries (EU, UN, the user-assigned X…, Q…,
 * ZZ and the exceptionally reserved ones), are left out. Japan comes first.
 */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'AC', 'CP', 'CQ', 'DG', 'EA', 'IC', 'TA']);
const cache = new Map<string, { code: string; name: string }[]>();

export function countryOptions(language: string, first = 'JP'): { code: string; name: string }[] {
  const cached = cache.get(language);
  if (cached) return cached;
  const names = new Intl.DisplayNames([language], { type: 'region', fallback: 'none' });
  const out: { code: string; name: string }[] = [];
  const A = 'A'.charCodeAt(0);
  for (let i = 0; i < 26; i++)
    for (let j = 0; j < 26; j++) {
      const code = String.fromCharCode(A + i, A + j);
      if (NOT_COUNTRIES.has(code) || code[0] === 'X' || code[0] === 'Q') continue;
      const name = names.of(code);
      if (name && name !== code) out.push({ code, name });
    }
  out.sort((a, b) => (a.code === first ? -1 : b.code === first ? 1 : a.name.localeCompare(b.name, language)));
  cache.set(language, out);
  return out;
}

/** A country code's name in the reader's language ("日本", "Japan"); the code itself where the browser has no name. */
export function regionName(code: string, language: string): string {
  try {
    return new Intl.DisplayNames([language], { type: 'region', fallback: 'code' }).of(code) ?? code;
  } catch {
    return code;
  }
}
