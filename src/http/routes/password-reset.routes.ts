import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceDeps } from '../../services/deps.js';
import {
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  RESET_LINK_MINUTES,
  confirmPasswordReset,
  requestPasswordReset,
} from '../../services/auth/password-reset.service.js';
import { errorResponses } from '../schemas.js';

/** Forgotten passwords: a one-time link by e-mail. Public, throttled, and silent on whether an account exists. */
export const passwordResetRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.post(
    '/auth/password-reset',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: `Ask for a password reset link by e-mail (valid ${RESET_LINK_MINUTES} minutes, single use). The answer is the same for any address`,
        body: PasswordResetRequestSchema,
        response: { 202: z.object({ status: z.literal('accepted'), message: z.string() }), 400: errorResponses[400], 429: errorResponses[400] },
      },
    },
    async (req, reply) => {
      await requestPasswordReset(deps, req.body, { ip: req.ip ?? null });
      return reply.status(202).send({ status: 'accepted', message: 'If the address belongs to an active account, a reset link is on its way.' });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the token from the link; every session of the account ends (the second factor is still asked)',
        body: PasswordResetConfirmSchema,
        response: { 204: z.undefined(), 400: errorResponses[400], 429: errorResponses[400] },
      },
    },
    async (req, reply) => {
      await confirmPasswordReset(deps, req.body, { ip: req.ip ?? null });
      return reply.status(204).send();
    },
  );
};
