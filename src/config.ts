import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { parseIntakeRoutes } from './domain/intake-route.js';
import { MAX_RAW_BYTES } from './domain/report.js';

/** Which proxies' X-Forwarded-For is believed (Fastify's trustProxy): none, or their addresses and ranges. */
export type TrustProxy = false | string[];

/** An IP address, or a CIDR range of them. */
function isAddressOrRange(v: string): boolean {
  if (!v.includes('/')) return ipaddr.isValid(v);
  try {
    ipaddr.parseCIDR(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * Configuration from environment variables (DESIGN.md §4) and an optional JSON
 * file (`RENKEI_CONFIG`); the environment wins. Validated once at start, with
 * one clear line per bad value.
 */
const port = z.coerce.number().int().min(0).max(65535);

/**
 * Mail threads by default: the cores but one, between 1 and 4. With the mail spool, one thread a core read faster
 * on SQLite (about 350 against 320 reports/s on 2 cores) but took the SMTP process past 512 MB; on PostgreSQL
 * sharing the machine one thread was faster (about 260 against 230).
 */
export const defaultParseWorkers = (cores = availableParallelism()): number => Math.min(4, Math.max(1, cores - 1));

export const ConfigSchema = z.strictObject({
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
    .optional(),
  httpHost: z.string().min(1).default('127.0.0.1'),
  httpPort: port.default(8080),
  smtpPort: port.default(2525),
  smtpHost: z.string().min(1).default('127.0.0.1'),
  /** The team's report addresses: `report@*,phishing@cert.example=phishing,fin@cert.example=phishing/finance`. */
  intakeAddresses: z
    .string()
    .default('report@*,phishing@*=phishing,abuse@*')
    .superRefine((v, ctx) => {
      const parsed = parseIntakeRoutes(v);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
  /** PEM files of the SMTP listener's certificate: with both set, STARTTLS is offered. */
  smtpTlsKey: z.string().min(1).optional(),
  smtpTlsCert: z.string().min(1).optional(),
  /** A mailbox to read reports from besides the SMTP listener: imaps://user@host:993/INBOX (imap:// requires STARTTLS). */
  imapUrl: z.string().min(1).optional(),
  imapPassword: z.string().default(''),
  /** Where stored messages are moved (created when missing), and where those that cannot become a report go. */
  imapDoneFolder: z.string().min(1).default('Renkei-Stored'),
  imapFailedFolder: z.string().min(1).default('Renkei-Failed'),
  imapPollSeconds: z.coerce.number().int().min(5).max(3600).default(60),
  /** Accept the IMAP server's self-signed certificate (labs only). */
  imapInsecureTls: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .or(z.boolean())
    .default(false),
  /** The team's report address: the user id of the team's PGP key. */
  teamEmail: z.email().default('report@renkei.invalid'),
  /** Where escalation rules' `notify on-call` actions write (the on-call person's or pager's address). */
  oncallEmail: z.email().optional(),
  /** The team's name in the mail it sends. */
  teamName: z.string().trim().min(1).max(200).default('Renkei CSIRT'),
  /** Base URL of the web application as users reach it, for links in mail. */
  publicUrl: z.url({ protocol: /^https?$/, error: 'RENKEI_PUBLIC_URL must be an http(s) URL' }).optional(),
  /**
   * The outbound SMTP relay: `smtp://host:port`, `smtps://user:pass@host:465`. Unset: mail is
   * queued and waits (with a clear last error) until one is configured.
   */
  smtpRelay: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'RENKEI_SMTP_RELAY must be an smtp:// or smtps:// URL')
    .optional(),
  /** Proof of work the public report form asks of the browser (leading zero bits; 0 = off). */
  formPowBits: z.coerce.number().int().min(0).max(24).default(14),
  /** Acknowledge each new mailed report to its sender with its reference. */
  autoAcknowledge: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .or(z.boolean())
    .default(true),
  /** Ranges liveness checks may fetch although they are not public (a lab, tests): `127.0.0.0/8,10.0.0.0/8`. */
  fetchAllow: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /** Bytes of a checked page kept as evidence (the rest is not read). */
  fetchMaxBytes: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(2 * 1024 * 1024),
  /** The team's office hours (in RENKEI_TIME_ZONE), for SLA clocks counted in office hours. */
  officeHours: z.string().default('Mon-Fri 09:00-18:00'),
  /** Days the team is closed besides Japanese public holidays: MM-DD (every year) or YYYY-MM-DD. */
  closedDays: z
    .string()
    .default('12-29,12-30,12-31,01-02,01-03')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /** A JSON file of SLA policies replacing the built-in ones (see docs). */
  slaPolicies: z.string().optional(),
  /** Site fetches (liveness checks) at once, across all checks of this process. */
  fetchConcurrency: z.coerce.number().int().min(1).max(1000).default(32),
  /** Seconds a liveness check waits for a site. */
  fetchTimeoutSeconds: z.coerce.number().int().min(1).max(120).default(10),
  /** Seconds to wait for the relay before a delivery attempt counts as failed (and is retried). */
  smtpRelayTimeoutSeconds: z.coerce.number().int().min(1).max(600).default(30),
  /** Worker threads that parse inbound mail beside the database thread; 0: parse in the main thread. Default: `defaultParseWorkers`. */
  parseWorkers: z.coerce.number().int().min(0).max(32).default(defaultParseWorkers()),
  /** Largest message accepted over SMTP (552 beyond): at most the largest a report's raw original may be. */
  smtpMaxBytes: z.coerce.number().int().min(1024).max(MAX_RAW_BYTES, `at most ${MAX_RAW_BYTES} bytes (25 MB), the largest a report's raw original may be`).default(MAX_RAW_BYTES),
  incidentPrefix: z.string().regex(/^[A-Z]{1,8}$/, 'incident prefix is 1–8 capital letters').default('RK'),
  /** Zone of the numbering year and of dates shown by default. */
  timeZone: z.string().default('Asia/Tokyo'),
  /** A browser session ends after this long without a request … */
  sessionIdleMinutes: z.coerce.number().int().min(5).max(24 * 60).default(60),
  /** … and after this long in any case. */
  sessionMaxHours: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** The first administrator, created on first start when none exists. */
  adminEmail: z.email().optional(),
  adminPassword: z.string().min(1).optional(),
  /** Set when served over TLS (directly or behind a proxy): session cookies get `Secure`. */
  secureCookies: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .or(z.boolean())
    .default(false),
  /**
   * Behind a reverse proxy (TLS in front of Renkei): which proxies to believe
   * about the client's address (X-Forwarded-For), so rate limits and the audit
   * log see the reporter, not the proxy. Comma-separated addresses or CIDR
   * ranges, or `loopback` / `linklocal` / `uniquelocal`. Unset: none (the
   * connection's own address).
   */
  trustProxy: z
    .string()
    .trim()
    .transform((v, ctx): TrustProxy => {
      if (v === '' || v === 'false') return false;
      const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
      const bad = entries.find((e) => !['loopback', 'linklocal', 'uniquelocal'].includes(e) && !isAddressOrRange(e));
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not an address, a CIDR range, loopback, linklocal or uniquelocal` });
        return z.NEVER;
      }
      return entries;
    })
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Remove the evidence files of incidents closed more than this many days ago (never under legal hold); unset or 0: keep everything. */
  evidenceRetentionDays: z.coerce.number().int().min(0).max(36_500).optional(),
  /** The team's own country (ISO 3166-1 alpha-2): reports from it are "domestic" in the statistics. */
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'RENKEI_COUNTRY is an ISO 3166-1 alpha-2 code such as JP')
    .default('JP'),
  /** Publish the public status page (numbers only, no sign-in) at /public-status and GET /api/public/statistics. */
  publicStatus: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .or(z.boolean())
    .default(false),
});
export type Config = z.infer<typeof ConfigSchema>;

const ENV: Record<string, keyof Config> = {
  RENKEI_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  RENKEI_HTTP_HOST: 'httpHost',
  RENKEI_HTTP_PORT: 'httpPort',
  RENKEI_SMTP_PORT: 'smtpPort',
  RENKEI_SMTP_TLS_KEY: 'smtpTlsKey',
  RENKEI_SMTP_TLS_CERT: 'smtpTlsCert',
  RENKEI_IMAP_URL: 'imapUrl',
  RENKEI_IMAP_PASSWORD: 'imapPassword',
  RENKEI_IMAP_DONE_FOLDER: 'imapDoneFolder',
  RENKEI_IMAP_FAILED_FOLDER: 'imapFailedFolder',
  RENKEI_IMAP_POLL_SECONDS: 'imapPollSeconds',
  RENKEI_IMAP_INSECURE_TLS: 'imapInsecureTls',
  RENKEI_SMTP_HOST: 'smtpHost',
  RENKEI_INTAKE_ADDRESSES: 'intakeAddresses',
  RENKEI_SMTP_MAX_BYTES: 'smtpMaxBytes',
  RENKEI_PARSE_WORKERS: 'parseWorkers',
  RENKEI_TEAM_EMAIL: 'teamEmail',
  RENKEI_TEAM_NAME: 'teamName',
  RENKEI_ONCALL_EMAIL: 'oncallEmail',
  RENKEI_PUBLIC_URL: 'publicUrl',
  RENKEI_SMTP_RELAY: 'smtpRelay',
  RENKEI_AUTO_ACKNOWLEDGE: 'autoAcknowledge',
  RENKEI_FORM_POW_BITS: 'formPowBits',
  RENKEI_FETCH_ALLOW: 'fetchAllow',
  RENKEI_FETCH_MAX_BYTES: 'fetchMaxBytes',
  RENKEI_FETCH_TIMEOUT_SECONDS: 'fetchTimeoutSeconds',
  RENKEI_FETCH_CONCURRENCY: 'fetchConcurrency',
  RENKEI_OFFICE_HOURS: 'officeHours',
  RENKEI_CLOSED_DAYS: 'closedDays',
  RENKEI_SLA_POLICIES: 'slaPolicies',
  RENKEI_SMTP_RELAY_TIMEOUT_SECONDS: 'smtpRelayTimeoutSeconds',
  RENKEI_INCIDENT_PREFIX: 'incidentPrefix',
  RENKEI_TIME_ZONE: 'timeZone',
  RENKEI_LOG_LEVEL: 'logLevel',
  RENKEI_SESSION_IDLE_MINUTES: 'sessionIdleMinutes',
  RENKEI_SESSION_MAX_HOURS: 'sessionMaxHours',
  RENKEI_ADMIN_EMAIL: 'adminEmail',
  RENKEI_ADMIN_PASSWORD: 'adminPassword',
  RENKEI_SECURE_COOKIES: 'secureCookies',
  RENKEI_TRUST_PROXY: 'trustProxy',
  RENKEI_EVIDENCE_RETENTION_DAYS: 'evidenceRetentionDays',
  RENKEI_COUNTRY: 'country',
  RENKEI_PUBLIC_STATUS: 'publicStatus',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  const file = env.RENKEI_CONFIG;
  if (file) {
    try {
      Object.assign(raw, JSON.parse(readFileSync(resolve(file), 'utf8')) as Record<string, unknown>);
    } catch (err) {
      throw new ConfigError([`RENKEI_CONFIG=${file}: ${(err as Error).message}`]);
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const envName = (key: PropertyKey) => Object.entries(ENV).find(([, k]) => k === key)?.[0] ?? String(key);
    throw new ConfigError(parsed.error.issues.map((i) => `${envName(i.path[0] ?? '')}: ${i.message}`));
  }
  return parsed.data;
}
