import DOMPurify, { type Config, type DOMPurify as Purifier } from 'dompurify';
import { defang } from '../../src/domain/observables/refang.js';
import { revealControls } from './format';

/**
 * The HTML version of a reported mail, made safe to show (issue #5): the
 * sender is perhaps an attacker, so nothing of theirs may run, fetch, submit,
 * style the page or pose as a link.
 *
 * Two steps, and DOMPurify is the last one, so what reaches the page is
 * exactly its output:
 * 1. Look (in an inert document: nothing loads there) — count every
 *    reference to content outside the mail (images, style sheets, frames,
 *    CSS url()), put a marker in place of each image that is not embedded as a
 *    data: picture, and turn each link into plain text followed by its target,
 *    defanged (`hxxps://evil[.]example/`), so a handler sees where it led
 *    without being able to follow it.
 * 2. Sanitise with a strict allow-list: text-level and table markup only; no
 *    script, style element or attribute (CSS can exfiltrate), form, frame,
 *    object, embed, link, meta, base, SVG or MathML; no attribute that holds a
 *    URL except an image's src, and that only for data:image/png|gif|jpeg|webp.
 *
 * The page's Content-Security-Policy (src/http/web.ts) stays the second wall:
 * no inline script, no remote image or style.
 */

export interface MailHtmlLabels {
  /** Written in place of an image that was not shown (its alt text follows). */
  blockedImage: string;
}

export interface SanitisedMailHtml {
  html: string;
  /** References to content outside the mail that were removed, so nothing was fetched. */
  blockedRemote: number;
  /** Links made inert (shown as text with their defanged target). */
  links: number;
}

/** Classes of the markers step 1 adds; a class the sender wrote is removed. */
export const MAIL_HTML_CLASSES = { link: 'mail-link', target: 'mail-link-target', blocked: 'mail-blocked' } as const;
const OUR_CLASSES = new Set<string>(Object.values(MAIL_HTML_CLASSES));

/** Pictures embedded in the mail itself: shown (the CSP allows data: images; an <img> never runs script). */
const EMBEDDED_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,/i;

const ALLOWED_TAGS = [
  'abbr', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'dfn',
  'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol',
  'p', 'pre', 'q', 'rp', 'rt', 'ruby', 's', 'samp', 'section', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead',
  'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr',
];

/** Stated as well as left out of the allow-list, so a change to one cannot let them in by itself. */
const FORBID_TAGS = [
  'a', 'area', 'map', 'script', 'noscript', 'style', 'link', 'meta', 'base', 'title', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'frame',
  'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'template', 'video', 'audio', 'source', 'track', 'picture', 'canvas', 'dialog', 'portal',
];
const FORBID_ATTR = ['style', 'href', 'xlink:href', 'srcset', 'background', 'poster', 'action', 'formaction', 'data', 'ping', 'id', 'name', 'target'];

/** Attributes that are never a URL: kept as written. */
const PLAIN_ATTR = ['align', 'border', 'cellpadding', 'cellspacing', 'colspan', 'dir', 'height', 'lang', 'rowspan', 'span', 'start', 'valign', 'width'];

const CONFIG: Config = {
  ALLOWED_TAGS,
  ALLOWED_ATTR: [...PLAIN_ATTR, 'alt', 'class', 'src', 'title'],
  FORBID_TAGS,
  FORBID_ATTR,
  ALLOWED_NAMESPACES: ['http://www.w3.org/1999/xhtml'],
  // DOMPurify checks every attribute not named URI-safe against this: so only src is a URL, and only an embedded picture passes.
  ALLOWED_URI_REGEXP: EMBEDDED_IMAGE,
  ADD_URI_SAFE_ATTR: PLAIN_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  KEEP_CONTENT: true,
  WHOLE_DOCUMENT: false,
};

let purifier: Purifier | undefined;
function purify(): Purifier {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.addHook('uponSanitizeAttribute', (node, data) => {
    // Only the markers of step 1 keep a class; only an embedded picture keeps its src.
    if (data.attrName === 'class') data.keepAttr = OUR_CLASSES.has(data.attrValue);
    else if (data.attrName === 'src') data.keepAttr = node.nodeName === 'IMG' && EMBEDDED_IMAGE.test(data.attrValue);
  });
  // An image step 1 did not see (the sanitiser's parse can differ from the first one's) has lost its src above: drop it.
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'IMG' && !node.hasAttribute('src')) node.parentNode?.removeChild(node);
  });
  purifier = p;
  return p;
}

/** The sender's HTML as markup safe to put in the page, with what was blocked counted. */
export function sanitiseMailHtml(input: string, labels: MailHtmlLabels): SanitisedMailHtml {
  const doc = new window.DOMParser().parseFromString(input, 'text/html');
  const blockedRemote = countRemote(doc);
  for (const el of doc.querySelectorAll('[class]')) el.removeAttribute('class');
  for (const img of doc.querySelectorAll('img')) {
    if (EMBEDDED_IMAGE.test((img.getAttribute('src') ?? '').trim())) continue;
    const alt = img.getAttribute('alt')?.trim();
    img.replaceWith(marker(doc, MAIL_HTML_CLASSES.blocked, `[${labels.blockedImage}${alt ? `: ${cut(alt, 200)}` : ''}]`));
  }
  const anchors = [...doc.querySelectorAll('a[href]')];
  for (const a of anchors) {
    const link = marker(doc, MAIL_HTML_CLASSES.link, '');
    link.append(...a.childNodes);
    a.replaceWith(link, ' ', marker(doc, MAIL_HTML_CLASSES.target, `⟨${defangTarget(a.getAttribute('href') ?? '')}⟩`));
  }
  const html = purify().sanitize(doc.body.innerHTML, CONFIG);
  return { html, blockedRemote, links: anchors.length };
}

/** A link's target as text no mail client or chat would link: hxxps://evil[.]example/path, mailto:a[@]b[.]example. */
export function defangTarget(href: string): string {
  // eslint-disable-next-line no-control-regex -- a target's control characters and line breaks are what is removed
  const target = revealControls(cut(href.replace(/[\u0000-\u001f\u007f]+/g, '').trim(), 500));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return defang({ type: 'url', value: target });
  if (target.startsWith('//')) return defang({ type: 'domain', value: target });
  const mailto = /^mailto:(.*)$/is.exec(target);
  if (mailto) return `mailto:${defang({ type: 'email', value: mailto[1]! })}`;
  return target;
}

function marker(doc: Document, className: string, text: string): HTMLSpanElement {
  const span = doc.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** Whether showing `url` would fetch something from outside the mail (data:, cid: and fragments would not). */
function isFetched(url: string | null): boolean {
  // eslint-disable-next-line no-control-regex -- browsers ignore these inside a URL, so must we
  const u = (url ?? '').replace(/[\u0000-\u0020\u007f]+/g, '');
  return u !== '' && !u.startsWith('#') && !/^(?:data|cid|about|javascript):/i.test(u);
}

const CSS_URL = /url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3/gi;
const cssReferences = (css: string) => [...css.matchAll(CSS_URL)].filter((m) => isFetched(m[2] ?? m[4] ?? '')).length;

/**
 * References to outside content that showing the mail as written would fetch: images (src, srcset, background,
 * poster, CSS url()), style sheets (link, @import), frames, objects and media.
 */
function countRemote(doc: Document): number {
  let n = 0;
  for (const el of doc.querySelectorAll('*')) {
    for (const attr of ['src', 'background', 'poster', 'lowsrc', 'dynsrc']) if (isFetched(el.getAttribute(attr))) n++;
    if (el.hasAttribute('srcset') && el.getAttribute('srcset')!.split(',').some((c) => isFetched(c.trim().split(/\s+/)[0] ?? ''))) n++;
    if (el.localName === 'object' && isFetched(el.getAttribute('data'))) n++;
    if (el.localName === 'link' && isFetched(el.getAttribute('href'))) n++;
    if (['image', 'use', 'feimage'].includes(el.localName.toLowerCase()) && isFetched(el.getAttribute('href') ?? el.getAttribute('xlink:href'))) n++;
    const style = el.getAttribute('style');
    if (style) n += cssReferences(style);
    if (el.localName === 'style') n += cssReferences(el.textContent ?? '');
  }
  return n;
}
