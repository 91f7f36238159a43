/** Decoding of ZIP entry names and of text entries (see archive.ts). */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** UTF-8 when flagged (bit 11) or when the bytes are valid UTF-8, as many writers omit the flag; else CP437, the default. */
export function decodeName(raw: Buffer, isUtf8: boolean): string {
  if (isUtf8) return raw.toString('utf8');
  try {
    return strictUtf8.decode(raw);
  } catch {
    return Array.from(raw, (b) => (b < 0x80 ? String.fromCharCode(b) : CP437_HIGH.charAt(b - 0x80))).join('');
  }
}

/** Text by its BOM, else UTF-8, else Windows-1252; undefined for binary (NUL bytes outside UTF-16). */
export function decodeText(raw: Buffer): string | undefined {
  if (raw[0] === 0xff && raw[1] === 0xfe) return new TextDecoder('utf-16le').decode(raw);
  if (raw[0] === 0xfe && raw[1] === 0xff) return new TextDecoder('utf-16be').decode(raw);
  if (raw.includes(0)) return undefined;
  try {
    return strictUtf8.decode(raw);
  } catch {
    return new TextDecoder('windows-1252').decode(raw);
  }
}
