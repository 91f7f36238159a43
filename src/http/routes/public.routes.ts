import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { FORM_MAX_BODY_BYTES, WebFormSubmissionSchema } from '../../domain/web-form.js';
import type { ServiceDeps } from '../../services/deps.js';
import { issueChallenge, publicStatus, submitWebForm } from '../../services/web-form.service.js';
import { errorResponses } from '../schemas.js';

/** The public report form's API: no sign-in, rate-limited, nothing internal in any answer. */
export const publicRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/public/challenge',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['public'],
        summary: 'A proof-of-work challenge for the report form: find a nonce so that SHA-256(challenge + ":" + nonce) starts with `bits` zero bits',
        response: { 200: z.object({ challenge: z.string(), bits: z.number(), expiresAt: z.string() }) },
      },
    },
    async () => issueChallenge(deps),
  );

  app.post(
    '/public/reports',
    {
      config: { auth: 'public' },
      bodyLimit: FORM_MAX_BODY_BYTES,
      schema: {
        tags: ['public'],
        summary: 'Submit the public report form (fields, or fields encrypted to the team key); answers the reference and a private status link',
        body: WebFormSubmissionSchema,
        response: {
          201: z.object({ reference: z.string(), statusUrl: z.string(), receiptTo: z.string(), encrypted: z.boolean() }),
          400: errorResponses[400],
          413: errorResponses[400],
          429: errorResponses[400],
        },
      },
    },
    async (req, reply) => reply.status(201).send(await submitWebForm(deps, req.body, { ip: req.ip ?? null })),
  );

  app.get(
    '/public/status/:token',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['public'],
        summary: 'Where a report from the form stands (the private link from its receipt): received, being handled, resolved or closed',
        params: z.object({ token: z.string().min(10).max(200) }),
        response: { 200: z.object({ reference: z.string(), receivedAt: z.string(), status: z.enum(['received', 'being-handled', 'resolved', 'closed']) }), 404: errorResponses[400] },
      },
    },
    async (req) => publicStatus(deps, req.params.token),
  );
};
