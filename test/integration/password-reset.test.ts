import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { systemActor } from '../../src/domain/actor.js';
import { parseMail } from '../../src/formats/mail.js';
import { buildApp } from '../../src/http/app.js';
import { createAccount, updateAccount } from '../../src/services/auth/account.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

/** Forgotten password: a one-time link by e-mail, short-lived, single use, no account-existence oracle. */
let h: Harness;
let app: FastifyInstance;
let sink: SmtpSink;
const ADMIN = systemActor('test-admin');
const OLD = 'an old but long passphrase 古い';
const NEW = 'a brand new long passphrase 新しい';
let n = 0;

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({ relay: sink.url });
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
});
afterAll(async () => {
  await app.close();
  await h.close();
  await sink.close();
});
beforeEach(() => {
  sink.mails.length = 0;
  h.advance(120_000); // a fresh throttle window for each test
});

const post = (url: string, payload: unknown, remoteAddress = `198.51.100.${++n}`) => app.inject({ method: 'POST', url, payload: payload as object, remoteAddress });
const ask = (email: string, remoteAddress?: string) => post('/api/auth/password-reset', { email }, remoteAddress);
const confirm = (token: string, newPassword: string) => post('/api/auth/password-reset/confirm', { token, newPassword });
const signIn = (email: string, password: string) => post('/api/auth/sign-in', { email, password });
const cookieOf = (res: LightMyRequestResponse) => `renkei_session=${res.cookies.find((x) => x.name === 'renkei_session')!.value}`;

async function account(email: string, language: 'ja' | 'en' = 'ja') {
  return (await createAccount(h.deps, ADMIN, { email, displayName: `山田 ${email.split('@')[0]}`, roles: ['auditor'], language, password: OLD })).account;
}

async function linkFromMail(): Promise<{ token: string; text: string; subject: string }> {
  expect(sink.mails).toHaveLength(1);
  const mail = await parseMail(sink.mails[0]!.raw);
  const m = /\/reset-password#token=([A-Za-z0-9_-]+)/.exec(mail.text);
  expect(m).not.toBeNull();
  return { token: m![1]!, text: mail.text, subject: mail.subject ?? '' };
}

describe('password reset by e-mailed link', () => {
  it('mails a link in the account’s language; it sets a new password once, ends every session, and keeps no copy of the link', async () => {
    const a = await account('reset-ja@team.example', 'ja');
    const session = await signIn(a.email, OLD);
    expect(session.statusCode).toBe(200);

    const res = await ask(a.email);
    expect(res.statusCode).toBe(202);
    await h.runJobs();
    const { token, text, subject } = await linkFromMail();
    expect(subject).toBe('パスワード再設定のご案内');
    expect(text).toContain('30 分以内');
    expect(sink.mails[0]!.to).toEqual([a.email]);

    const weak = await confirm(token, 'password');
    expect(weak.statusCode).toBe(400);
    expect(weak.json<{ error: { issues: { path: string[] }[] } }>().error.issues[0]!.path).toEqual(['newPassword']);

    expect((await confirm(token, NEW)).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(session) } })).statusCode).toBe(401);
    expect((await signIn(a.email, OLD)).statusCode).toBe(401);
    expect((await signIn(a.email, NEW)).statusCode).toBe(200);

    const again = await confirm(token, 'yet another long passphrase 3');
    expect(again.statusCode).toBe(400);
    expect(again.json<{ error: { message: string } }>().error.message).toMatch(/expired or been used/);

    const copies = await h.database.db.selectFrom('outbound_mail').select(['raw', 'state']).where('kind', '=', 'password-reset').execute();
    expect(copies).toEqual([{ raw: null, state: 'sent' }]);
    const stored = await h.database.db.selectFrom('password_reset').select('token_hash').execute();
    expect(stored.map((r) => r.token_hash)).not.toContain(token);
  });

  it('answers an unknown or disabled address exactly as a known one, and mails nothing', async () => {
    const known = await ask((await account('known@team.example', 'en')).email);
    const unknown = await ask('nobody@team.example');
    const disabledAccount = await account('gone@team.example');
    await updateAccount(h.deps, ADMIN, disabledAccount.id, { isDisabled: true });
    const disabled = await ask(disabledAccount.email);
    expect([unknown.statusCode, disabled.statusCode]).toEqual([known.statusCode, known.statusCode]);
    expect([unknown.body, disabled.body]).toEqual([known.body, known.body]);
    await h.runJobs();
    expect(sink.mails.map((m) => m.to)).toEqual([['known@team.example']]);
    expect((await parseMail(sink.mails[0]!.raw)).subject).toBe('Resetting your Renkei password');
  });

  it('expires after 30 minutes, and a newer link voids the older one', async () => {
    const a = await account('expiry@team.example', 'en');
    await ask(a.email);
    await h.runJobs();
    const first = (await linkFromMail()).token;
    sink.mails.length = 0;
    await ask(a.email);
    await h.runJobs();
    const second = (await linkFromMail()).token;
    expect((await confirm(first, NEW)).statusCode).toBe(400);
    h.advance(31 * 60_000);
    expect((await confirm(second, NEW)).statusCode).toBe(400);
    expect((await signIn(a.email, OLD)).statusCode).toBe(200);
  });

  it('throttles requests per address asked for and per client address, and bad tokens per client', async () => {
    const a = await account('throttle@team.example');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await ask(a.email)).statusCode);
    expect(codes).toEqual([202, 202, 202, 429]);
    const fromOne: number[] = [];
    for (let i = 0; i < 6; i++) fromOne.push((await ask(`someone${i}@team.example`, '203.0.113.77')).statusCode);
    expect(fromOne).toEqual([202, 202, 202, 202, 202, 429]);
    const guesses: number[] = [];
    for (let i = 0; i < 11; i++)
      guesses.push((await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token: `guess-${i}-${'x'.repeat(30)}`, newPassword: NEW }, remoteAddress: '203.0.113.78' })).statusCode);
    expect(guesses.slice(0, 10).every((c) => c === 400)).toBe(true);
    expect(guesses[10]).toBe(429);
  });
});
