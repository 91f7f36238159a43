import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultParseWorkers, loadConfig } from './config.js';

describe('configuration', () => {
  it('reads mail on the cores but one (1 to 4) by default, and takes an explicit count as given', () => {
    expect(loadConfig({}).parseWorkers).toBe(defaultParseWorkers(availableParallelism()));
    expect([1, 2, 3, 8].map((n) => defaultParseWorkers(n))).toEqual([1, 1, 2, 4]);
    expect(loadConfig({ RENKEI_PARSE_WORKERS: '0' }).parseWorkers).toBe(0);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/renkei', RENKEI_PARSE_WORKERS: '3' }).parseWorkers).toBe(3);
  });

  it('accepts mail over SMTP up to the largest a report may be, and no larger (a larger mail would be acknowledged, then refused)', () => {
    expect(loadConfig({}).smtpMaxBytes).toBe(25 * 1024 * 1024);
    expect(loadConfig({ RENKEI_SMTP_MAX_BYTES: '1048576' }).smtpMaxBytes).toBe(1048576);
    expect(() => loadConfig({ RENKEI_SMTP_MAX_BYTES: String(25 * 1024 * 1024 + 1) })).toThrow(/RENKEI_SMTP_MAX_BYTES.*at most 26214400 bytes/s);
  });

  it('believes X-Forwarded-For only from the proxies named, and says clearly what is not a proxy address', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ RENKEI_TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '2001:db8::1']);
    expect(loadConfig({ RENKEI_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(() => loadConfig({ RENKEI_TRUST_PROXY: 'everyone' })).toThrow(/RENKEI_TRUST_PROXY.*"everyone" is not an address/s);
    expect(() => loadConfig({ RENKEI_TRUST_PROXY: '10.0.0.0/99' })).toThrow(/"10\.0\.0\.0\/99" is not an address/);
  });
});
