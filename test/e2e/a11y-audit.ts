import type { Page } from 'playwright-core';

/**
 * Accessibility checks run inside the page (as script text: the browser gets
 * plain JavaScript, not what the test compiler makes of a function). Each
 * returns the failures as readable lines, naming the element, so a test can
 * expect an empty list and a failure says what to fix.
 */
const LIB = String.raw`
const describe = (el) => {
  const part = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const path = [];
  for (let e = el.parentElement; e && path.length < 2 && e !== document.body; e = e.parentElement) if (e.id || (typeof e.className === 'string' && e.className.trim()) || e.getAttribute('aria-labelledby')) path.unshift(part(e) + (e.getAttribute('aria-labelledby') ? '[aria-labelledby=' + e.getAttribute('aria-labelledby') + ']' : ''));
  const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('value') || el.getAttribute('name') || '').replace(/\s+/g, ' ').trim().slice(0, 40);
  return [...path, part(el)].join(' > ') + (el.type && el.tagName !== 'BUTTON' ? '[type=' + el.type + ']' : '') + (text ? ' "' + text + '"' : '');
};
const isRendered = (el) => {
  if (!el.isConnected || el.closest('[inert], [hidden], dialog:not([open])')) return false;
  if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
/** Only there for screen readers (the .visually-hidden pattern): no colour to see. */
const isVisuallyHidden = (el) => {
  for (let e = el; e && e !== document.body; e = e.parentElement) {
    const cs = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    if ((cs.position === 'absolute' || cs.position === 'fixed') && r.width <= 1 && r.height <= 1) return true;
    if (cs.clip === 'rect(0px, 0px, 0px, 0px)') return true;
  }
  return false;
};
const isDisabled = (el) => !!el.closest(':disabled, [aria-disabled="true"]');
const reactProps = (el) => { const k = Object.keys(el).find((k) => k.startsWith('__reactProps$')); return k ? el[k] : null; };
const NATIVE = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, iframe, [contenteditable=""], [contenteditable="true"]';
/** What a mouse user can act on: native controls, anything given a tabindex, and anything React gave a click handler. */
const interactive = (root) => {
  const out = new Set();
  for (const el of root.querySelectorAll(NATIVE + ', [tabindex]')) if (!(el.getAttribute('tabindex') === '-1' && !el.matches(NATIVE))) out.add(el);
  for (const el of root.querySelectorAll('*')) {
    const p = reactProps(el);
    // A <label>'s click goes to its control, which is checked on its own.
    if (p && (p.onClick || p.onMouseDown) && el.tagName !== 'LABEL') out.add(el);
  }
  return [...out].filter((el) => isRendered(el) && !isDisabled(el));
};
const nameOf = (el) => {
  const by = el.getAttribute('aria-labelledby');
  if (by) { const t = by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim(); if (t) return t; }
  const aria = el.getAttribute('aria-label');
  if (aria && aria.trim()) return aria.trim();
  if (el.labels && el.labels.length) { const t = [...el.labels].map((l) => l.textContent).join(' ').trim(); if (t) return t; }
  if (el.matches('button, a, summary, [role="button"], [role="link"]')) {
    let t = '';
    const walk = (n) => { for (const c of n.childNodes) { if (c.nodeType === 3) t += c.textContent; else if (c.nodeType === 1) { if (c.tagName === 'IMG') t += c.getAttribute('alt') ?? ''; else if (c.getAttribute('aria-hidden') !== 'true') { const a = c.getAttribute('aria-label'); if (a) t += a; else walk(c); } } } };
    walk(el);
    if (t.trim()) return t.trim();
  }
  if (el.matches('input[type="submit"], input[type="button"], input[type="reset"]') && el.value.trim()) return el.value.trim();
  return (el.getAttribute('title') ?? '').trim();
};
const parse = (c) => {
  const m = /rgba?\(([^)]+)\)/.exec(c);
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
};
const over = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
const luminance = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
/** The colours behind an element: its own and its ancestors' backgrounds composited on the white canvas; every stop of a gradient is a candidate. Null behind an image. */
const backgrounds = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage && cs.backgroundImage !== 'none') {
      if (/url\(/.test(cs.backgroundImage)) return null;
      const stops = [...cs.backgroundImage.matchAll(/rgba?\([^)]+\)/g)].map((m) => parse(m[0]));
      if (stops.length) { layers.push(stops); if (stops.every((s) => s.a === 1)) break; continue; }
    }
    const bg = parse(cs.backgroundColor);
    if (bg && bg.a > 0) { layers.push([bg]); if (bg.a === 1) break; }
  }
  let out = [{ r: 255, g: 255, b: 255, a: 1 }];
  for (const stops of layers.reverse()) out = stops.flatMap((s) => out.map((c) => over(s, c)));
  return out;
};
const opacityOf = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
const contrastOf = (el, color) => {
  const cs = getComputedStyle(el);
  const bgs = backgrounds(el);
  if (!bgs) return null;
  const fg0 = parse(color ?? cs.color);
  const size = parseFloat(cs.fontSize);
  const isLarge = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
  let worst = null;
  for (const bg of bgs) {
    const fg = over({ ...fg0, a: fg0.a * opacityOf(el) }, bg);
    const r = ratio(fg, bg);
    if (!worst || r < worst.ratio) worst = { ratio: r, fg: hex(fg), bg: hex(bg) };
  }
  return { ...worst, need: isLarge ? 3 : 4.5 };
};
`;

export interface Reachable {
  id: string;
  description: string;
  /** Radio buttons of one group are one stop on the Tab path; arrow keys move within. */
  group: string;
}

/** Marks every rendered interactive element under `root` and returns them; also the positive tabindex values, which break the order. */
export async function markInteractive(page: Page, root = 'body'): Promise<{ elements: Reachable[]; positiveTabindex: string[] }> {
  return page.evaluate(`(() => { ${LIB}
    const root = document.querySelector(${JSON.stringify(root)});
    window.__a11yBase = new Map();
    const elements = interactive(root).map((el, i) => {
      el.dataset.a11yId = String(i);
      const cs = getComputedStyle(el);
      window.__a11yBase.set(String(i), { boxShadow: cs.boxShadow, border: cs.borderColor + cs.borderWidth, background: cs.backgroundColor });
      const group = el.type === 'radio' && el.name ? 'radio:' + el.name : String(i);
      return { id: String(i), description: describe(el), group };
    });
    const positiveTabindex = [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).map(describe);
    return { elements, positiveTabindex };
  })()`);
}

export interface Focused {
  id: string | null;
  /** Marked containers reached through this element (see below). */
  within: string[];
  description: string;
  isInside: boolean;
  isVisible: boolean;
}

/** The focused element: which marked one, whether it is inside `root`, and whether its focus shows (an outline, or a shadow, border or background it does not have unfocused). */
export async function focused(page: Page, root = 'body'): Promise<Focused | null> {
  return page.evaluate(`(() => { ${LIB}
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const cs = getComputedStyle(el);
    const base = window.__a11yBase?.get(el.dataset.a11yId) ?? null;
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 && (parse(cs.outlineColor)?.a ?? 1) > 0;
    const changed = base && (cs.boxShadow !== base.boxShadow || cs.borderColor + cs.borderWidth !== base.border || cs.backgroundColor !== base.background);
    // A container whose click does what focusing within it does (its onFocus, which bubbles in React) is reached with its content.
    const within = [];
    for (let e = el.parentElement; e; e = e.parentElement) if (e.dataset.a11yId && reactProps(e)?.onFocus) within.push(e.dataset.a11yId);
    const shown = outline || changed ? '' : ' (outline ' + cs.outlineStyle + ' ' + cs.outlineWidth + ', box-shadow ' + cs.boxShadow + ')';
    return { id: el.dataset.a11yId ?? null, within, description: describe(el) + shown, isInside: !!el.closest(${JSON.stringify(root)}), isVisible: !!(outline || changed) };
  })()`);
}

/** Form fields without an accessible name, and buttons and links without one. */
export async function unnamed(page: Page, root = 'body'): Promise<string[]> {
  return page.evaluate(`(() => { ${LIB}
    const root = document.querySelector(${JSON.stringify(root)});
    const out = [];
    for (const el of root.querySelectorAll('input:not([type="hidden"]), select, textarea, button, a[href], summary, [role="button"], [role="link"]'))
      if (isRendered(el) && !nameOf(el)) out.push(describe(el));
    return out;
  })()`);
}

/**
 * Text that does not stand out enough from what is behind it (WCAG 2.1
 * 1.4.3): every rendered text node's element, every field's text and every
 * placeholder shown. Disabled controls are exempt, as WCAG allows.
 */
export async function lowContrast(page: Page, root = 'body'): Promise<string[]> {
  return page.evaluate(`(() => { ${LIB}
    const root = document.querySelector(${JSON.stringify(root)});
    const seen = new Set();
    const out = [];
    const check = (el, color, what) => {
      const c = contrastOf(el, color);
      if (c && c.ratio < c.need) out.push(describe(el) + what + ': ' + c.fg + ' on ' + c.bg + ' = ' + c.ratio.toFixed(2) + ':1 (needs ' + c.need + ':1)');
    };
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || seen.has(el) || el.closest('script, style, noscript, option, select, textarea')) continue;
      seen.add(el);
      if (!isRendered(el) || isDisabled(el) || isVisuallyHidden(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      check(el, null, '');
    }
    for (const el of root.querySelectorAll('input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]):not([type="file"]), select, textarea')) {
      if (!isRendered(el) || isDisabled(el)) continue;
      if (el.value) check(el, null, ' (its text)');
      else if (el.placeholder) check(el, getComputedStyle(el, '::placeholder').color, ' (placeholder)');
    }
    return out;
  })()`);
}

/** Elements that reach past the window's right edge without a scrolling box of their own to hold them, and the page's own width. */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(`(() => { ${LIB}
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width) out.push('the page: ' + document.documentElement.scrollWidth + 'px wide in a ' + width + 'px window');
    for (const el of document.body.querySelectorAll('*')) {
      if (!isRendered(el) || isVisuallyHidden(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right <= width + 1) continue;
      let held = false;
      for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (e.id !== 'root' && cs.overflowX !== 'visible' && e.getBoundingClientRect().right <= width + 1) { held = true; break; }
      }
      if (!held) out.push(describe(el) + ': right edge at ' + Math.round(r.right) + 'px');
    }
    return out.slice(0, 20);
  })()`);
}

/**
 * Presses Tab from where focus is until the path comes back to where it began
 * (bounded), and answers which marked elements were never reached and which
 * were reached without a visible focus; `outside` lists focus that left
 * `root` (a modal dialog must keep it).
 */
export async function tabThrough(page: Page, elements: Reachable[], root = 'body'): Promise<{ unreached: string[]; invisibleFocus: string[]; outside: string[] }> {
  // From the top of the page: focus a stop outside the tab order placed first, so the first Tab goes to the first control.
  // In a modal dialog focus stays where the dialog put it (the page behind is inert).
  if (root === 'body')
    await page.evaluate(`(() => {
      const start = document.createElement('span');
      start.tabIndex = -1;
      start.id = 'a11y-start';
      document.body.prepend(start);
      start.focus();
    })()`);
  const reached = new Set<string>();
  const invisibleFocus = new Set<string>();
  const outside = new Set<string>();
  let first: string | null = null;
  for (let i = 0; i < elements.length * 2 + 20; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page, root);
    if (!f) continue;
    if (!f.isInside) outside.add(f.description);
    if (!f.isVisible) invisibleFocus.add(f.description);
    const key = f.id ?? f.description;
    if (key === first) break;
    first ??= key;
    if (f.id !== null) reached.add(f.id);
    for (const id of f.within) reached.add(id);
  }
  await page.evaluate(`document.getElementById('a11y-start')?.remove()`);
  const reachedGroups = new Set(elements.filter((e) => reached.has(e.id)).map((e) => e.group));
  return { unreached: elements.filter((e) => !reachedGroups.has(e.group)).map((e) => e.description), invisibleFocus: [...invisibleFocus], outside: [...outside] };
}
