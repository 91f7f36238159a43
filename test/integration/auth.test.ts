import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createAccount, updateAccount } from '../../src/services/auth/account.service.js';
import { totpCode } from '../../src/services/auth/totp.js';
import { systemActor } from '../../src/domain/actor.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let app: FastifyInstance;
const ADMIN = systemActor('test-admin');
const PASSWORD = 'a long and unusual passphrase 連携';

beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
});
afterAll(async () => {
  await app.close();
  await h.close();
});

const cookieOf = (res: LightMyRequestResponse) => {
  const c = res.cookies.find((x) => x.name === 'renkei_session');
  return c ? `renkei_session=${c.value}` : '';
};

async function signIn(email: string, password = PASSWORD) {
  return app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password }, remoteAddress: '192.0.2.50' });
}

/** A staff member fully signed in (password + enrolled TOTP): cookie, CSRF token, TOTP secret. */
async function staffSession(email: string) {
  await createAccount(h.deps, ADMIN, { email, displayName: email, roles: ['handler'], password: PASSWORD });
  const first = await signIn(email);
  expect(first.json<{ next: string }>().next).toBe('enrol-totp');
  const cookie = cookieOf(first);
  const csrf = first.json<{ csrfToken: string }>().csrfToken;
  const headers = { cookie, 'x-csrf-token': csrf };
  const enrol = await app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers });
  const { secret } = enrol.json<{ secret: string }>();
  const confirm = await app.inject({ method: 'POST', url: '/api/auth/totp/confirm', headers, payload: { code: await totpCode(secret, h.now()) } });
  expect(confirm.statusCode).toBe(200);
  return { headers, secret, recoveryCodes: confirm.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

describe('sign-in', () => {
  it('takes a staff member through password, TOTP enrolment, then TOTP at the next sign-in', async () => {
    const { headers, secret, recoveryCodes } = await staffSession('yamada@team.example');
    expect(recoveryCodes).toHaveLength(10);
    expect((await app.inject({ url: '/api/incidents', headers })).statusCode).toBe(200);

    h.advance(60_000);
    const again = await signIn('yamada@team.example');
    expect(again.json<{ next: string }>().next).toBe('totp');
    const pending = { cookie: cookieOf(again), 'x-csrf-token': again.json<{ csrfToken: string }>().csrfToken };
    const blocked = await app.inject({ url: '/api/incidents', headers: pending });
    expect(blocked.statusCode).toBe(401);
    expect(blocked.json<{ error: { message: string } }>().error.message).toMatch(/second factor/);
    const code = await totpCode(secret, h.now());
    expect((await app.inject({ method: 'POST', url: '/api/auth/second-factor', headers: pending, payload: { code } })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/incidents', headers: pending })).statusCode).toBe(200);

    // The same code cannot be used twice; a recovery code works once.
    const third = await signIn('yamada@team.example');
    const h3 = { cookie: cookieOf(third), 'x-csrf-token': third.json<{ csrfToken: string }>().csrfToken };
    expect((await app.inject({ method: 'POST', url: '/api/auth/second-factor', headers: h3, payload: { code } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/auth/second-factor', headers: h3, payload: { code: recoveryCodes[0] } })).statusCode).toBe(204);
    const fourth = await signIn('yamada@team.example');
    const h4 = { cookie: cookieOf(fourth), 'x-csrf-token': fourth.json<{ csrfToken: string }>().csrfToken };
    expect((await app.inject({ method: 'POST', url: '/api/auth/second-factor', headers: h4, payload: { code: recoveryCodes[0] } })).statusCode).toBe(401);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie', async () => {
    await createAccount(h.deps, ADMIN, { email: 'cookie@partner.example', displayName: 'c', roles: ['auditor'], password: PASSWORD });
    const res = await signIn('cookie@partner.example');
    const cookie = res.cookies.find((c) => c.name === 'renkei_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
  });

  it('gives the same answer for an unknown account, a wrong password and a disabled account', async () => {
    const { account } = await createAccount(h.deps, ADMIN, { email: 'gone@team.example', displayName: 'g', roles: ['handler'], password: PASSWORD });
    await updateAccount(h.deps, ADMIN, account.id, { isDisabled: true });
    const answers = await Promise.all([signIn('nobody@team.example'), signIn('yamada@team.example', 'wrong password!!'), signIn('gone@team.example')]);
    for (const a of answers) {
      expect(a.statusCode).toBe(401);
      expect(a.json<{ error: { message: string } }>().error.message).toBe('the e-mail address or the password is wrong');
    }
  });

  it('refuses the 11th wrong password in a minute unchecked, and a right one too, until the window passes', async () => {
    await createAccount(h.deps, ADMIN, { email: 'brute@team.example', displayName: 'b', roles: ['auditor'], password: PASSWORD });
    for (let i = 0; i < 10; i++) expect((await signIn('brute@team.example', `wrong ${i} xxxxxxxx`)).statusCode).toBe(401);
    const eleventh = await signIn('brute@team.example', 'wrong again xxxxxxx');
    expect(eleventh.statusCode).toBe(429);
    expect(eleventh.json<{ error: { code: string } }>().error.code).toBe('RATE_LIMITED');
    expect((await signIn('brute@team.example')).statusCode).toBe(429);
    h.advance(61_000);
    expect((await signIn('brute@team.example')).statusCode).toBe(200);
  });

  it('refuses a weak or common password, naming why', async () => {
    await expect(createAccount(h.deps, ADMIN, { email: 'weak@team.example', displayName: 'w', roles: ['handler'], password: 'short' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('at least 12') as unknown,
    });
    await expect(
      createAccount(h.deps, ADMIN, { email: 'weak@team.example', displayName: 'w', roles: ['handler'], password: 'password1234' }),
    ).rejects.toMatchObject({ message: expect.stringContaining('commonly used') as unknown });
  });
});

describe('sessions and CSRF', () => {
  it('refuses a change without the CSRF token, and accepts it with', async () => {
    const { headers } = await staffSession('csrf@team.example');
    const without = await app.inject({ method: 'POST', url: '/api/incidents', headers: { cookie: headers.cookie }, payload: { title: 'x' } });
    expect(without.statusCode).toBe(403);
    expect(without.json<{ error: { message: string } }>().error.message).toMatch(/csrf/i);
    const wrong = await app.inject({ method: 'POST', url: '/api/incidents', headers: { ...headers, 'x-csrf-token': 'nope' }, payload: { title: 'x' } });
    expect(wrong.statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/incidents', headers, payload: { title: 'x' } })).statusCode).toBe(201);
  });

  it('ends a session at sign-out, everywhere at sign-out-everywhere, and at once when the account is disabled', async () => {
    const one = await staffSession('many@team.example');
    h.advance(31_000);
    const again = await signIn('many@team.example');
    const two = { cookie: cookieOf(again), 'x-csrf-token': again.json<{ csrfToken: string }>().csrfToken };
    await app.inject({ method: 'POST', url: '/api/auth/second-factor', headers: two, payload: { code: await totpCode(one.secret, h.now()) } });
    expect((await app.inject({ url: '/api/incidents', headers: two })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/auth/sign-out-everywhere', headers: one.headers })).json()).toEqual({ sessionsEnded: 2 });
    expect((await app.inject({ url: '/api/incidents', headers: one.headers })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/incidents', headers: two })).statusCode).toBe(401);

    const d = await staffSession('disabled@team.example');
    const account = await h.deps.store.accounts.findByEmail('disabled@team.example');
    await updateAccount(h.deps, ADMIN, account!.id, { isDisabled: true });
    expect((await app.inject({ url: '/api/incidents', headers: d.headers })).statusCode).toBe(401);
  });

  it('ends an idle session and one past its absolute lifetime', async () => {
    const { headers } = await staffSession('idle@team.example');
    h.advance(61 * 60_000);
    expect((await app.inject({ url: '/api/incidents', headers })).statusCode).toBe(401);
    const { headers: busy } = await staffSession('busy@team.example');
    for (let i = 0; i < 13; i++) {
      h.advance(59 * 60_000);
      const res = await app.inject({ url: '/api/incidents', headers: busy });
      if (i < 12) expect(res.statusCode, `step ${i + 1}`).toBe(200); // 12 × 59 min = 11.8 h < 12 h
      else expect(res.statusCode, `step ${i + 1}`).toBe(401);
    }
  });
});

describe('API tokens', () => {
  it('works when valid, stops at once when revoked, and honours read-only scope', async () => {
    const { headers } = await staffSession('tokens@team.example');
    const created = await app.inject({ method: 'POST', url: '/api/tokens', headers, payload: { name: 'ro', scopes: ['read'] } });
    expect(created.statusCode).toBe(201);
    const { token, apiToken } = created.json<{ token: string; apiToken: { id: string } }>();
    const bearer = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: '/api/incidents', headers: bearer })).statusCode).toBe(200);
    const write = await app.inject({ method: 'POST', url: '/api/incidents', headers: bearer, payload: { title: 'no' } });
    expect(write.statusCode).toBe(403);
    const listed = (await app.inject({ url: '/api/tokens', headers })).json<{ items: { id: string; lastUsedAt: string | null }[] }>();
    expect(listed.items.find((t) => t.id === apiToken.id)!.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token);
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${apiToken.id}`, headers })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/incidents', headers: bearer })).statusCode).toBe(401);
  });

  it('stops working when expired', async () => {
    const { headers } = await staffSession('expiry@team.example');
    const { token } = (await app.inject({ method: 'POST', url: '/api/tokens', headers, payload: { name: 'short', scopes: ['read'], expiresInDays: 1 } })).json<{
      token: string;
    }>();
    expect((await app.inject({ url: '/api/incidents', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    h.advance(86_400_000 + 1000);
    expect((await app.inject({ url: '/api/incidents', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });
});
