import { describe, expect, it } from 'vitest';
import { assessDanger, extensionOf, type ArchiveFacts } from './dangerous-file.js';

const bytes = (hex: string, pad = 64) => Buffer.concat([Buffer.from(hex, 'hex'), Buffer.alloc(pad)]);
const text = (s: string) => Buffer.from(s, 'utf8');
const judge = (content: Buffer, filename: string | null = null, mimeType: string | null = null, archive: ArchiveFacts | null = null) =>
  assessDanger({ content, filename, mimeType, archive });
const zipOf = (names: string[], extra: Partial<ArchiveFacts> = {}): ArchiveFacts => ({
  entries: names.map((name) => ({ name, isEncrypted: false })),
  entryCount: names.length,
  isBomb: false,
  flags: [],
  ...extra,
});

describe('dangerous files', () => {
  it('knows executables by their content, whatever they are called', () => {
    expect(judge(bytes('4d5a9000'), 'invoice.pdf').reasons[0]).toMatch(/Windows executable/);
    expect(judge(bytes('7f454c46'), 'data.txt').reasons[0]).toMatch(/ELF/);
    expect(judge(bytes('cffaedfe'), 'photo.jpg').reasons[0]).toMatch(/Mach-O/);
    expect(judge(bytes('cafebabe')).dangerous).toBe(true);
    expect(judge(text('#!/bin/sh\ncurl http://x | sh\n'), 'notes').reasons[0]).toMatch(/interpreter/);
    expect(judge(bytes('4c0000000114020000000000c000000000000046'), 'doc').reasons[0]).toMatch(/shortcut/);
  });

  it('knows disk images, opaque archives and active documents', () => {
    const iso = Buffer.alloc(0x9000);
    iso.write('CD001', 0x8001, 'latin1');
    expect(judge(iso, 'photos').reasons).toContain('an ISO 9660 disk image');
    expect(judge(bytes('526172211a0700'), 'x.bin').reasons[0]).toMatch(/RAR/);
    expect(judge(bytes('377abcaf271c'), 'x').reasons[0]).toMatch(/7-Zip/);
    const ole = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512), Buffer.from('_VBA_PROJECT', 'utf16le')]);
    expect(judge(ole, 'report.doc').reasons[0]).toMatch(/macros/);
    expect(judge(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]), 'report.doc').dangerous).toBe(false);
    expect(judge(text('{\\rtf1 {\\object\\objemb {\\*\\objdata 0105}}}'), 'letter.rtf').reasons[0]).toMatch(/RTF/);
    expect(judge(text('%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>'), 'a.pdf').reasons[0]).toMatch(/PDF with active content \(\/JavaScript, \/JS\)/);
    expect(judge(text('%PDF-1.7\n1 0 obj << /Type /Catalog >>'), 'a.pdf').dangerous).toBe(false);
    expect(judge(text('<html><head><HTA:APPLICATION id="x"></head></html>'), 'page.html').reasons[0]).toMatch(/HTA/);
    expect(judge(text('Windows Registry Editor Version 5.00\r\n[HKEY_CURRENT_USER]'), 'settings.txt').reasons[0]).toMatch(/registry/);
  });

  it('knows names Windows acts on, with their tricks', () => {
    expect(judge(text('hello'), 'invoice.pdf.exe').reasons).toEqual(['the name ends in .exe: an executable']);
    expect(judge(text('hello'), 'invoice.exe. ').dangerous).toBe(true);
    expect(judge(text('hello'), 'invoice\u202efdp.exe').reasons).toEqual([
      'the name hides its real extension with direction-control characters',
      'the name ends in .exe: an executable',
    ]);
    expect(judge(text('hello'), 'review\u202excod.txt').reasons[0]).toMatch(/direction-control/);
    for (const n of ['a.js', 'a.vbs', 'a.ps1', 'a.hta', 'a.lnk', 'a.scr', 'a.iso', 'a.docm', 'a.xlsm', 'a.one', 'a.bat', 'a.msi', 'a.jar'])
      expect(judge(text('x'), n).dangerous, n).toBe(true);
    for (const n of ['a.txt', 'a.pdf', 'a.png', 'a.csv', 'a.eml', 'a.html', 'a.docx', 'a.zip', null])
      expect(judge(text('plain words'), n).dangerous, String(n)).toBe(false);
    expect(extensionOf('C:\\x\\Setup.EXE')).toBe('exe');
    expect(extensionOf('.bashrc')).toBe('bashrc');
    expect(extensionOf('README')).toBe('');
  });

  it('knows declared media types', () => {
    expect(judge(text('x'), 'a.bin', 'application/x-msdownload').reasons).toEqual(['declared as application/x-msdownload']);
    expect(judge(text('x'), 'a.bin', 'application/vnd.ms-excel.sheet.macroEnabled.12').dangerous).toBe(true);
    expect(judge(text('x'), 'a.txt', 'text/plain').dangerous).toBe(false);
  });

  it('looks into archives by their listing', () => {
    expect(judge(text('PK'), 'logs.zip', 'application/zip', zipOf(['logs/a.txt', 'logs/b.csv'])).dangerous).toBe(false);
    expect(judge(text('PK'), 'invoice.zip', null, zipOf(['invoice.pdf.exe'])).reasons[0]).toMatch(/holds a file that can run: "invoice.pdf.exe"/);
    expect(judge(text('PK'), 'x.zip', null, zipOf(['a.js', 'b.vbs', 'c.lnk', 'd.ps1'])).reasons[0]).toMatch(/4 files that can run: "a.js", "b.vbs", "c.lnk" and 1 more/);
    expect(judge(text('PK'), 'x.zip', null, zipOf(['inner.7z'])).reasons[0]).toMatch(/another archive/);
    expect(judge(text('PK'), 'x.zip', null, zipOf(['secret.txt'], { flags: ['encrypted'], entries: [{ name: 'secret.txt', isEncrypted: true }] })).reasons[0]).toMatch(/encrypted archive/);
    expect(judge(text('PK'), 'x.zip', null, zipOf(['big.txt'], { isBomb: true })).reasons[0]).toBe('a ZIP bomb');
    expect(judge(text('PK'), 'report.docx', null, zipOf(['[Content_Types].xml', 'word/document.xml'])).dangerous).toBe(false);
    expect(judge(text('PK'), 'report.docx', null, zipOf(['[Content_Types].xml', 'word/vbaProject.bin'])).reasons[0]).toMatch(/macros/);
    expect(judge(text('PK'), 'app.bin', null, zipOf(['AndroidManifest.xml', 'classes.dex'])).reasons[0]).toMatch(/APK/);
  });
});
