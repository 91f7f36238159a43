import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { asDownload } from './download.js';

const headersOf = (filename: string) => {
  const headers: Record<string, string> = {};
  const reply = { header: (k: string, v: string) => ((headers[k] = v), reply) } as unknown as FastifyReply;
  asDownload(reply, 'application/octet-stream', filename);
  return headers;
};

describe('asDownload', () => {
  it('names the file for every browser: an ASCII fallback and the name in UTF-8 with only RFC 8187 characters left bare', () => {
    expect(headersOf("O'Brien (1)*.pdf")['content-disposition']).toBe(`attachment; filename="O'Brien (1)*.pdf"; filename*=UTF-8''O%27Brien%20%281%29%2A.pdf`);
    expect(headersOf('請求書.pdf')['content-disposition']).toBe(`attachment; filename="___.pdf"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf`);
    // Quotes and backslashes cannot close the quoted name; a lone surrogate does not throw.
    expect(headersOf('a"b\\c.txt')['content-disposition']).toBe(`attachment; filename="a_b_c.txt"; filename*=UTF-8''a_b_c.txt`);
    expect(headersOf('\uD800x.txt')['content-disposition']).toBe(`attachment; filename="_x.txt"; filename*=UTF-8''%EF%BF%BDx.txt`);
  });

  it('is never rendered nor kept: nosniff, no-store, the type given', () => {
    expect(headersOf('x.eml')).toMatchObject({ 'content-type': 'application/octet-stream', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  });
});
