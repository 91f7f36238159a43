/**
 * Reading Japanese text whose charset is unknown or lied about: mail from
 * old clients and misconfigured gateways labels Shift_JIS as ISO-8859-1 or
 * UTF-8, sends ISO-2022-JP variants (-MS, -3) decoders do not name, and
 * encrypts text in whatever the sender's client used. The guess is kept
 * small and explained: ISO-2022-JP by its escapes; UTF-8 when the bytes are
 * valid UTF-8; then the declared label when it reads cleanly; then EUC-JP or
 * Shift_JIS, whichever reads cleanly (with fewer half-width katakana, as
 * EUC-JP also reads as those in Shift_JIS).
 */

const strict = (bytes: Uint8Array, label: string): string | null => {
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    return null; // Not this one, or not a label this runtime knows.
  }
};

const ESCAPE = 0x1b;

/** ISO-2022-JP's escape into or out of a two-byte set: ESC $ @, ESC $ B, ESC ( B, ESC ( J. */
function hasIso2022Escape(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(ESCAPE); i !== -1 && i + 2 < bytes.length; i = bytes.indexOf(ESCAPE, i + 1)) {
    const [a, b] = [bytes[i + 1], bytes[i + 2]];
    if ((a === 0x24 || a === 0x28) && (b === 0x40 || b === 0x42 || b === 0x4a)) return true;
  }
  return false;
}

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
/** Kana in a reading: Japanese text always has some; Latin-1 bytes read as Shift_JIS or EUC-JP give kanji, seldom kana. */
const kana = (t: string): number => t.match(KANA)?.filter((c) => c < '\uff61' || c > '\uff9f').length ?? 0;

/** The text of `bytes` and the charset it was read in (see above); never throws. */
export function guessText(bytes: Uint8Array, declared: string | undefined): { text: string; charset: string } {
  const label = declared?.trim().toLowerCase();
  if (hasIso2022Escape(bytes)) {
    // The WHATWG decoder reads the NEC and IBM extensions (ISO-2022-JP-MS) as well.
    const text = new TextDecoder('iso-2022-jp').decode(bytes);
    return { text, charset: 'iso-2022-jp' };
  }
  const utf8 = strict(bytes, 'utf-8');
  if (utf8 !== null) return { text: utf8, charset: 'utf-8' };
  const western = label && /^(iso-8859-1|latin1|windows-1252|cp1252)$/.test(label);
  if (label && !western && !/^(utf-?8|us-ascii|ascii)$/.test(label)) {
    const asDeclared = strict(bytes, label);
    if (asDeclared !== null) return { text: asDeclared, charset: label };
  }
  // Japanese only when the reading has kana (two at least, half-width aside): Latin-1 text read as Shift_JIS gives none.
  const halfWidth = (t: string) => t.match(/[\uff61-\uff9f]/g)?.length ?? 0;
  const japanese = (['euc-jp', 'shift_jis'] as const)
    .map((charset) => ({ text: strict(bytes, charset), charset }))
    .filter((c): c is { text: string; charset: 'euc-jp' | 'shift_jis' } => c.text !== null && kana(c.text) >= 2)
    .sort((a, b) => halfWidth(a.text) - halfWidth(b.text));
  if (japanese[0]) return japanese[0];
  // Not Japanese: Western text, as the label says or as mail clients read unlabelled 8-bit text.
  if (!label || western || /^(utf-?8|us-ascii|ascii)$/.test(label)) return { text: new TextDecoder('windows-1252').decode(bytes), charset: 'windows-1252' };
  try {
    return { text: new TextDecoder(label).decode(bytes), charset: label };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), charset: 'windows-1252' };
  }
}

/**
 * Whether decoded text shows that its charset label lied: replacement
 * characters, ISO-2022-JP escapes left in, or a run of Latin-1 letters that
 * is the bytes of Japanese text read one by one.
 */
export function looksMisdecoded(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- an escape left in the text is the sign
  return /\ufffd|\x1b[$(]|[\u0080-\u00ff]{4,}/.test(text);
}

const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/gu;

/** How much of a text is Japanese letters (to choose between two readings). */
export const japaneseLetters = (text: string): number => text.match(JAPANESE)?.length ?? 0;
