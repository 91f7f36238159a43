// src/domain/observables/normalise.ts imports node:url. The web app reaches that
// module only through type-only imports (src/http/schemas.ts → OBSERVABLE_TYPES),
// so none of its code is bundled; this declaration lets it type-check here.
declare module 'node:url' {
  export function domainToASCII(domain: string): string;
}
