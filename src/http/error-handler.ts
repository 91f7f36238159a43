import type { z } from 'zod';
import { issueKind } from '../services/validate.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../domain/errors.js';
import { translateDbError } from '../store/db-errors.js';

/** The only place that knows HTTP statuses. */
const STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  GONE: 410,
  EVIDENCE_CORRUPT: 500,
};

interface ZodLikeIssue {
  /** `/fiveW1H/occurredAt`: the zod issue path, joined by the type provider. */
  instancePath?: string;
  message?: string;
  /** The zod issue's code, and the rest of it. */
  keyword?: string;
  params?: Record<string, unknown>;
}

const toPath = (instancePath = ''): (string | number)[] =>
  instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const send = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
    void reply.status(status).send({ error: { code, message, ...extra }, requestId: request.id });

  if (err instanceof AppError) {
    // An integrity failure is an alert for whoever watches the logs, not only an answer.
    if (err.code === 'EVIDENCE_CORRUPT') request.log.error({ evidence: err.details }, err.message);
    const { issues, ...details } = err.details ?? {};
    send(STATUS[err.code], err.code, err.message, {
      ...(issues ? { issues } : {}),
      ...(Object.keys(details).length ? { details } : {}),
    });
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const issues = (err.validation as ZodLikeIssue[]).map((v) => ({
      path: [where, ...toPath(v.instancePath)],
      message: v.message ?? 'invalid',
      kind: issueKind({ ...v.params, code: v.keyword, message: v.message ?? '', path: [] } as unknown as z.core.$ZodIssue),
    }));
    send(400, 'VALIDATION', `the request ${where} is not valid`, { issues });
    return;
  }
  // Fastify's own client errors: malformed JSON, unsupported media type, body too large …
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    const code = err.statusCode === 404 ? 'NOT_FOUND' : err.statusCode === 429 ? 'RATE_LIMITED' : 'VALIDATION';
    const message =
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
        ? `the body is not valid JSON: ${err.message}`
        : err.message;
    send(err.statusCode, code, message, { details: { fastifyCode: err.code } });
    return;
  }
  const translated = translateDbError(err);
  if (translated instanceof AppError) {
    errorHandler(translated, request, reply);
    return;
  }
  request.log.error({ err }, 'unhandled error');
  send(500, 'INTERNAL', `internal error; quote request id ${request.id} when reporting it`);
}
