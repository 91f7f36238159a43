/**
 * Is a file dangerous to hand out as it is? Decided from its content (the
 * signatures of executables, disk images, macro-carrying documents …), its
 * name (the extension Windows or a desktop would act on, and names that hide
 * it) and its declared media type; for a ZIP, from the names it lists.
 * Dangerous files leave Renkei only inside a password-protected archive.
 *
 * Conservative on purpose: an archive that cannot be looked into counts as
 * dangerous, since a handler loses only a password prompt when it is not.
 * Pure: the caller lists archives (formats/archive.ts) and passes what it found.
 */

export interface ArchiveFacts {
  entries: { name: string; isEncrypted: boolean }[];
  /** More entries than `entries` lists. */
  entryCount: number;
  isBomb: boolean;
  /** Flags of formats/archive.ts: 'nested-archive', 'encrypted' … */
  flags: readonly string[];
}

export interface FileFacts {
  content: Uint8Array;
  filename: string | null;
  mimeType: string | null;
  /** The ZIP's listing when the content is one that could be read; null otherwise. */
  archive?: ArchiveFacts | null;
}

export interface DangerVerdict {
  dangerous: boolean;
  /** Why, in English, most telling first; empty when not dangerous. */
  reasons: string[];
}

const EXECUTABLE = ['exe', 'dll', 'scr', 'com', 'pif', 'cpl', 'sys', 'drv', 'ocx', 'msi', 'msp', 'mst', 'msix', 'msixbundle', 'appx', 'appxbundle',
  'appref-ms', 'application', 'gadget', 'xll', 'elf', 'so', 'dylib', 'app', 'apk', 'xapk', 'dex', 'jar', 'class', 'wasm', 'run', 'deb', 'rpm', 'pkg', 'mpkg'];
const SCRIPT = ['bat', 'cmd', 'ps1', 'psm1', 'psd1', 'ps1xml', 'psc1', 'vbs', 'vbe', 'vb', 'js', 'jse', 'wsf', 'wsh', 'wsc', 'sct', 'hta', 'sh', 'bash',
  'zsh', 'csh', 'ksh', 'command', 'py', 'pyw', 'pl', 'rb', 'php', 'applescript', 'scpt', 'reg', 'inf', 'scf', 'url', 'lnk', 'library-ms',
  'searchconnector-ms', 'settingcontent-ms', 'msc', 'chm', 'hlp', 'jnlp', 'iqy', 'slk', 'diagcab', 'ade', 'adp', 'mde', 'accde', 'mam', 'ins', 'isp', 'shb', 'shs', 'mht', 'mhtml', 'xbap'];
const MACRO_DOCUMENT = ['docm', 'dotm', 'xlsm', 'xltm', 'xlam', 'xlsb', 'pptm', 'potm', 'ppam', 'ppsm', 'sldm', 'one', 'onepkg'];
const DISK_IMAGE = ['iso', 'img', 'vhd', 'vhdx', 'dmg', 'udf'];
/** Archives formats/archive.ts cannot list: their contents cannot be checked. */
const OPAQUE_ARCHIVE = ['rar', '7z', 'cab', 'ace', 'arj', 'lzh', 'lha', 'gz', 'tgz', 'bz2', 'tbz', 'tbz2', 'xz', 'txz', 'zst', 'tar', 'z', 'lz', 'lzma', 'cpio', 'zipx'];
const ARCHIVE_NAMES = new Set([...OPAQUE_ARCHIVE, 'zip', 'jar', 'war', 'ear', 'apk']);

const BY_EXTENSION = new Map<string, string>([
  ...EXECUTABLE.map((e) => [e, 'an executable'] as const),
  ...SCRIPT.map((e) => [e, 'a script or a file Windows acts on'] as const),
  ...MACRO_DOCUMENT.map((e) => [e, 'an Office document that can carry macros'] as const),
  ...DISK_IMAGE.map((e) => [e, 'a disk image'] as const),
  ...OPAQUE_ARCHIVE.map((e) => [e, 'an archive whose contents cannot be checked'] as const),
]);

const DANGEROUS_MIME =
  /(x-msdownload|x-msdos-program|x-dosexec|x-ms-dos-executable|x-executable|x-elf|x-mach-binary|x-sharedlib|x-sh\b|x-shellscript|x-csh|javascript|ecmascript|vbscript|x-ms-shortcut|\bhta\b|x-msi|x-ole-storage|java-archive|x-java-class|vnd\.android\.package-archive|x-iso9660-image|x-apple-diskimage|x-raw-disk-image|x-virtualbox|x-rar|x-7z|vnd\.ms-cab|macroenabled|vnd\.ms-office\.vbaproject|x-powershell|x-bat|x-msdos-batch|x-python|x-perl|onenote|x-ms-installer|wasm)/i;

/** Unicode direction controls: `invoice‮fdp.exe` shows as `invoiceexe.pdf`. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The extension a desktop acts on: Windows ignores trailing dots and spaces (`evil.exe. ` runs as .exe). */
export function extensionOf(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const trimmed = base.replace(/[.\s]+$/, '');
  return /\.([^.\s]+)$/.exec(trimmed)?.[1]?.toLowerCase() ?? '';
}

const startsWith = (c: Uint8Array, hex: string, at = 0): boolean => {
  const sig = hexBytes(hex);
  if (c.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (c[at + i] !== sig[i]) return false;
  return true;
};
const hexBytes = (hex: string): number[] => hex.match(/../g)!.map((b) => parseInt(b, 16));
/** Latin-1 view of bytes `from`…`to` (bounded), for signatures and keyword scans. */
const ascii = (c: Uint8Array, from: number, to: number): string =>
  Buffer.from(c.buffer, c.byteOffset, c.length).toString('latin1', Math.max(0, from), Math.max(0, Math.min(c.length, to)));
const head = (c: Uint8Array, bytes = 4 * 1024 * 1024): string => ascii(c, 0, bytes);
const utf16 = (s: string): string => [...s].map((ch) => `${ch}\u0000`).join('');

/** What the content says it is, whatever its name: the signatures of things that run. */
function contentReasons(c: Uint8Array): string[] {
  const r: string[] = [];
  if (startsWith(c, '4d5a')) r.push('a Windows executable (MZ/PE header)');
  else if (startsWith(c, '7f454c46')) r.push('an ELF executable (Linux/Unix)');
  else if (['feedface', 'feedfacf', 'cefaedfe', 'cffaedfe'].some((m) => startsWith(c, m))) r.push('a Mach-O executable (macOS)');
  else if (startsWith(c, 'cafebabe')) r.push('a Mach-O universal binary or Java class file');
  else if (startsWith(c, '6465780a')) r.push('an Android executable (DEX)');
  else if (startsWith(c, '0061736d')) r.push('a WebAssembly module');
  else if (startsWith(c, '2321')) r.push('a script with an interpreter line (#!)');
  else if (startsWith(c, '4c0000000114020000000000c000000000000046')) r.push('a Windows shortcut (.lnk)');
  else if (startsWith(c, 'e4525c7b8cd8a74daeb15378d02996d3')) r.push('a OneNote document (can embed files that run)');
  else if (startsWith(c, 'd0cf11e0a1b11ae1')) {
    // Every VBA project has a `_VBA_PROJECT` stream (under `Macros/VBA` in Word, `_VBA_PROJECT_CUR/VBA` in Excel).
    if (head(c).includes(utf16('_VBA_PROJECT'))) r.push('an Office document with macros (VBA project)');
  } else if (startsWith(c, '7b5c727466')) {
    if (/\\obj(data|ocx|emb|link|autlink|update)\b/i.test(head(c))) r.push('an RTF document with embedded objects');
  } else if (startsWith(c, '255044462d')) {
    const text = head(c);
    const active = ['/JavaScript', '/JS', '/Launch', '/EmbeddedFile', '/RichMedia', '/XFA'].filter((k) => new RegExp(`${k.replace('/', '\\/')}(?![A-Za-z])`).test(text));
    if (active.length) r.push(`a PDF with active content (${active.join(', ')})`);
  } else if (startsWith(c, '526172211a07')) r.push('a RAR archive (its contents cannot be checked)');
  else if (startsWith(c, '377abcaf271c')) r.push('a 7-Zip archive (its contents cannot be checked)');
  else if (startsWith(c, '4d534346')) r.push('a Windows cabinet (its contents cannot be checked)');
  else if (startsWith(c, '1f8b') || startsWith(c, 'fd377a585a00') || startsWith(c, '425a68') || startsWith(c, '28b52ffd'))
    r.push('a compressed file (its contents cannot be checked)');
  else if (ascii(c, 257, 262) === 'ustar') r.push('a tar archive (its contents cannot be checked)');
  else if (startsWith(c, '7668647866696c65') || startsWith(c, '636f6e6563746978')) r.push('a virtual hard disk image');
  if ([0x8001, 0x8801, 0x9001].some((at) => ascii(c, at, at + 5) === 'CD001')) r.push('an ISO 9660 disk image');
  if (c.length >= 512 && ascii(c, c.length - 512, c.length - 508) === 'koly') r.push('an Apple disk image (DMG)');
  if (c.length < 2 * 1024 * 1024) {
    const text = head(c).toLowerCase();
    if (text.includes('<hta:application')) r.push('an HTML application (HTA)');
    const bare = text.replace(/^\xef\xbb\xbf/, '');
    if (bare.startsWith('regedit4') || bare.startsWith('windows registry editor') || bare.startsWith(`\xff\xfe${utf16('windows registry editor')}`)) r.push('a Windows registry file');
  }
  return r;
}

function nameReasons(filename: string | null, what = 'the name'): string[] {
  if (!filename) return [];
  const r: string[] = [];
  if (BIDI.test(filename)) r.push(`${what} hides its real extension with direction-control characters`);
  const ext = extensionOf(filename);
  const kind = BY_EXTENSION.get(ext);
  if (kind) r.push(`${what} ends in .${ext}: ${kind}`);
  return r;
}

function archiveReasons(a: ArchiveFacts): string[] {
  const r: string[] = [];
  if (a.isBomb) r.push('a ZIP bomb');
  const names = a.entries.map((e) => e.name);
  const lower = names.map((n) => n.toLowerCase());
  if (lower.some((n) => n.endsWith('vbaproject.bin'))) r.push('an Office document with macros (vbaProject.bin)');
  if (lower.some((n) => /(^|\/)(word|xl|ppt)\/embeddings\//.test(n))) r.push('an Office document with embedded objects');
  if (lower.some((n) => n === 'classes.dex' || n.endsWith('/classes.dex'))) r.push('an Android package (APK)');
  if (lower.includes('meta-inf/manifest.mf') && lower.some((n) => n.endsWith('.class'))) r.push('a Java archive (JAR)');
  if (lower.some((n) => n === 'appxmanifest.xml')) r.push('a Windows app package (APPX/MSIX)');
  const runnable = names.filter((n) => !n.endsWith('/') && (BIDI.test(n) || (BY_EXTENSION.has(extensionOf(n)) && !OPAQUE_ARCHIVE.includes(extensionOf(n)))));
  if (runnable.length) r.push(`the archive holds ${runnable.length === 1 ? 'a file' : `${runnable.length} files`} that can run: ${quoteList(runnable)}`);
  const nested = names.filter((n) => ARCHIVE_NAMES.has(extensionOf(n)));
  if (nested.length || a.flags.includes('nested-archive'))
    r.push(`the archive holds another archive, not looked into${nested.length ? `: ${quoteList(nested)}` : ''}`);
  if (a.flags.includes('encrypted') || a.entries.some((e) => e.isEncrypted)) r.push('an encrypted archive: its contents cannot be checked');
  if (a.entryCount > a.entries.length) r.push(`the archive lists ${a.entryCount} entries, more than were looked at`);
  return r;
}

const quoteList = (names: string[]): string =>
  names.slice(0, 3).map((n) => `"${n.replace(BIDI, '⟨bidi⟩')}"`).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');

export function assessDanger(f: FileFacts): DangerVerdict {
  const reasons = [...contentReasons(f.content), ...(f.archive ? archiveReasons(f.archive) : []), ...nameReasons(f.filename)];
  if (f.mimeType && DANGEROUS_MIME.test(f.mimeType)) reasons.push(`declared as ${f.mimeType.slice(0, 100)}`);
  const unique = [...new Set(reasons)];
  return { dangerous: unique.length > 0, reasons: unique };
}
