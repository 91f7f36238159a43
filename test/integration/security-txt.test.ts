import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTeamKey, type TeamKey } from '../../src/formats/pgp.js';
import { parseSecurityTxt } from '../../src/formats/security-txt.js';
import { resolveAbuseContact } from '../../src/services/abuse-contact.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/** security.txt (RFC 9116) as the last step of abuse-contact resolution, from a local HTTPS server; nothing leaves the machine. */
let h: Harness;
let server: https.Server;
let port = 0;
let dir: string;
let siteKey: TeamKey;
const files = new Map<string, string>();

const FUTURE = '2027-12-31T23:59:59.000Z';
const resolve = (host: string) =>
  ['site.example', 'www.site.example', 'signed.example', 'expired.example', 'forged.example'].includes(host)
    ? Promise.resolve(['127.0.0.1'])
    : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));

async function sign(text: string, key: TeamKey): Promise<string> {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: key.privateKeyArmored });
  return openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: privateKey });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'renkei-sectxt-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=site.example'], { stdio: 'ignore' });
  siteKey = await generateTeamKey('Site Security', 'security@signed.example');
  server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const host = String(req.headers.host ?? '').split(':')[0]!;
    if (req.url === '/key.asc' && host === 'signed.example') return res.writeHead(200).end(siteKey.publicKeyArmored);
    const body = req.url === '/.well-known/security.txt' ? files.get(host) : undefined;
    if (!body) return res.writeHead(404).end('no');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  files.set('site.example', `# Our policy\nContact: mailto:security@site.example\nContact: https://site.example/report\nExpires: ${FUTURE}\nPreferred-Languages: ja, en\n`);
  files.set('signed.example', await sign(`Contact: mailto:security@signed.example\nExpires: ${FUTURE}\nEncryption: https://signed.example:${port}/key.asc\n`, siteKey));
  files.set('forged.example', (await sign(`Contact: mailto:security@forged.example\nExpires: ${FUTURE}\n`, siteKey)).replace('security@forged.example', 'attacker@evil.example'));
  files.set('expired.example', 'Contact: mailto:security@expired.example\nExpires: 2020-01-01T00:00:00.000Z\n');
  h = await createHarness({ fetchAllow: ['127.0.0.0/8'], resolve });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (host: string, path = '/login') => resolveAbuseContact(h.deps, h.actor, `https://${host}:${port}${path}`);

describe('security.txt', () => {
  it('parses the fields a CSIRT needs and names what is missing', () => {
    const p = parseSecurityTxt('Contact: mailto:sec%40x@example.jp\nContact: tel:+81-3-0000-0000\nPreferred-Languages: ja,en\nbroken line\n');
    expect(p.emails).toEqual(['sec@x@example.jp']);
    expect(p.preferredLanguages).toEqual(['ja', 'en']);
    expect(p.problems).toEqual(['line 4: not a field: broken line', 'no Expires field (required)']);
  });

  it('is the last step for a host the directory does not know, falling back to the registrable domain', async () => {
    const answer = await ask('www.site.example');
    expect(answer.steps.map((s) => [s.source, s.found])).toEqual([
      ['directory', false],
      ['security.txt', true],
    ]);
    expect(answer.contact).toMatchObject({ email: 'security@site.example', source: 'security.txt' });
    expect(answer.steps[1]!.detail).toMatch(/site\.example:\d+\/\.well-known\/security\.txt: Contact mailto:security@site\.example, https:\/\/site\.example\/report; Expires 2027-12-31T23:59:59\.000Z; not signed; languages ja, en/);
    expect(answer.steps[1]!.facts).toMatchObject({
      kind: 'security.txt',
      file: { contacts: ['mailto:security@site.example', 'https://site.example/report'], expires: '2027-12-31T23:59:59.000Z', isExpired: false, signature: 'unsigned', languages: ['ja', 'en'] },
    });
  });

  it('verifies a signed file with the key its Encryption field names, or a directory key; a forged one is not used', async () => {
    const signed = await ask('signed.example');
    expect(signed.contact?.email).toBe('security@signed.example');
    expect(signed.steps[1]!.detail).toContain(`signature valid (key ${siteKey.fingerprint})`);

    await createOrganisation(h.deps, h.actor, { name: 'Forged Example', kind: 'other', contacts: [{ email: 'security@forged.example', pgpKey: siteKey.publicKeyArmored }] });
    const forged = await ask('forged.example');
    expect(forged.contact).toBeNull();
    expect(forged.steps[1]!.detail).toMatch(/signature (invalid|unknown-key)/);
  });

  it('reports an expired file and does not use it; a site without one says so', async () => {
    const expired = await ask('expired.example');
    expect(expired.contact).toBeNull();
    expect(expired.steps[1]!.detail).toMatch(/EXPIRED, not used/);
    expect(expired.steps[1]!.facts).toMatchObject({ kind: 'security.txt', file: { isExpired: true } });
    const none = await ask('unknown.example');
    expect(none.steps[1]).toMatchObject({ source: 'security.txt', found: false });
    expect(none.steps[1]!.detail).toMatch(/No security\.txt/);
    expect(none.steps[1]!.facts).toMatchObject({ kind: 'security.txt', file: null, tried: [{ url: expect.stringContaining('unknown.example') as unknown }] });
  });
});
