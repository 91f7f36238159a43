import { CATEGORIES, type Category } from './taxonomy.js';

/**
 * The team's report addresses and what each implies: `report@*` takes any
 * domain, `phishing@cert.example=phishing` implies the category,
 * `fin@cert.example=phishing/finance` the category and the constituency.
 */
export interface IntakeRoute {
  localPart: string;
  /** `*` for any domain. */
  domain: string;
  category: Category | null;
  constituency: string | null;
}

export function parseIntakeRoutes(spec: string): { ok: true; routes: IntakeRoute[] } | { ok: false; error: string } {
  const routes: IntakeRoute[] = [];
  for (const part of spec.split(/[,\s]+/).filter(Boolean)) {
    const m = /^([^@=\s]+)@([^=\s]+)(?:=([a-z-]+)?(?:\/([a-z0-9._-]+))?)?$/i.exec(part);
    if (!m) return { ok: false, error: `"${part}" is not local@domain[=category[/constituency]]` };
    const category = m[3]?.toLowerCase() ?? null;
    if (category && !(CATEGORIES as readonly string[]).includes(category))
      return { ok: false, error: `"${part}": unknown category ${category} (one of ${CATEGORIES.join(', ')})` };
    routes.push({ localPart: m[1]!.toLowerCase(), domain: m[2]!.toLowerCase(), category: category as Category | null, constituency: m[4]?.toLowerCase() ?? null });
  }
  return routes.length ? { ok: true, routes } : { ok: false, error: 'no intake address configured' };
}

/** The route a recipient address is for, or undefined (the SMTP listener answers 550). */
export function routeFor(routes: readonly IntakeRoute[], address: string): IntakeRoute | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1) return undefined;
  const local = address.slice(0, at).toLowerCase().replace(/\+.*$/, '');
  const domain = address.slice(at + 1).toLowerCase();
  return routes.find((r) => r.localPart === local && r.domain === domain) ?? routes.find((r) => r.localPart === local && r.domain === '*');
}
