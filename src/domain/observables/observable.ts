/**
 * Observables: the technical indicators a report mentions (addresses, names,
 * hashes, vulnerability ids). An observable is identified by `(type, value)`
 * where `value` is the canonical form, so the same indicator written two ways
 * (defanged, upper-case, full-width, Unicode or punycode) is one observable.
 */
export const OBSERVABLE_TYPES = ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'cve', 'asn'] as const;
export type ObservableType = (typeof OBSERVABLE_TYPES)[number];

export interface ExtractedObservable {
  type: ObservableType;
  /** Normalised, canonical form: the identity of the observable. */
  value: string;
  /** Private/reserved: flagged, never treated as external (never notified, never looked up). */
  isPrivate: boolean;
}

export const isObservableType = (value: string): value is ObservableType =>
  (OBSERVABLE_TYPES as readonly string[]).includes(value);

/** URLs longer than this are skipped: no real indicator is that long, and parsing them is wasted work. */
export const MAX_URL_LENGTH = 8192;

/** RFC 1035: a host name is at most 253 characters. */
export const MAX_DOMAIN_LENGTH = 253;

/** RFC 5321: the local part of an address is at most 64 octets. */
export const MAX_LOCAL_PART_LENGTH = 64;

/**
 * Names outside the public suffix list that still count as domains. `.example`,
 * `.test` and `.invalid` (RFC 2606) are what examples, drills and tests use in
 * place of real names; the others are local-only names (RFC 6761, RFC 6762,
 * RFC 8375, ICANN's `.internal`, and `.lan` by common practice).
 */
export const RESERVED_TLDS: ReadonlySet<string> = new Set(['example', 'test', 'invalid', 'localhost', 'local', 'internal', 'lan']);

/**
 * Names that only resolve inside a site: flagged private. `.example` and
 * `.test` are deliberately absent — see `isPrivateDomain`.
 */
export const PRIVATE_DOMAIN_SUFFIXES: readonly string[] = ['localhost', 'local', 'internal', 'lan', 'home.arpa'];

/**
 * Real top-level domains that are also common file extensions. A bare token
 * such as `readme.md`, `setup.py` or `invoice.zip` in a report is far more
 * often a file than a host, so free-text extraction only takes such a name as
 * a domain when the writer marked it as one: defanged (`evil[.]zip`), a URL
 * host, or starting with `www.`. `normaliseObservable('domain', …)` accepts
 * them: there the user has said it is a domain.
 */
export const FILE_EXTENSION_TLDS: ReadonlySet<string> = new Set([
  'cab', 'md', 'mk', 'mov', 'one', 'pl', 'pm', 'ps', 'pub', 'py', 'rs', 'run', 'sh', 'so', 'tf', 'zip',
]);
