import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/actor.js';

/**
 * Who is calling. Accounts, sessions and API tokens arrive with issue 3;
 * until then every request acts as the local operator, and the server
 * refuses to listen anywhere but loopback (see cli/serve.ts).
 */
export const LOCAL_OPERATOR: Actor = {
  kind: 'user',
  id: 'local-operator',
  displayName: 'Local operator',
  roles: ['administrator', 'lead', 'handler'],
};

export type ActorResolver = (request: FastifyRequest) => Promise<Actor>;

export const localOperator: ActorResolver = async () => LOCAL_OPERATOR;

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}
