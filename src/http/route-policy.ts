import type { Capability } from '../services/access.policy.js';

/**
 * Who may call each route, declared in one table. The services enforce it
 * (the access policy and the store's filter); the authorisation matrix test
 * (test/integration/authorisation-matrix.test.ts) calls every route
 * registered in the app as every role on incidents of every TLP, in and out
 * of constituency, and checks the answers against this table — a route
 * missing here fails that test.
 *
 * - `public`: no sign-in.
 * - `self`: the caller's own account, session or tokens.
 * - `collection`: lists, searches and creation; visibility shapes what comes back.
 * - `incident` / `report`: `:id` names one; hidden answers 404 like missing.
 * - `spool`: `:id` names a mail in the mail spool (held, for the matrix test).
 * `capability`, when present, is needed whatever the visibility (403 otherwise).
 */
export type RoutePolicy =
  | { kind: 'public' }
  | { kind: 'self' }
  | { kind: 'collection' | 'incident' | 'report' | 'organisation' | 'account' | 'spool'; capability?: Capability };

export const ROUTE_POLICY: Readonly<Record<string, RoutePolicy>> = {
  'GET /healthz': { kind: 'public' },
  // The web application (src/http/web.ts): its files, and index.html for the paths it routes in the browser.
  'GET /*': { kind: 'public' },
  'GET /api/taxonomy': { kind: 'public' },
  'GET /api/openapi.json': { kind: 'public' },
  'GET /api/team-key': { kind: 'public' },
  'GET /.well-known/openpgpkey/policy': { kind: 'public' },
  'GET /.well-known/openpgpkey/hu/:hash': { kind: 'public' },
  'POST /api/auth/sign-in': { kind: 'public' },
  'POST /api/auth/password-reset': { kind: 'public' },
  'GET /api/public/challenge': { kind: 'public' },
  'POST /api/public/reports': { kind: 'public' },
  'GET /api/public/status/:token': { kind: 'public' },
  'POST /api/auth/password-reset/confirm': { kind: 'public' },
  'POST /api/auth/second-factor': { kind: 'self' },
  'POST /api/auth/totp/enrol': { kind: 'self' },
  'POST /api/auth/totp/confirm': { kind: 'self' },
  'GET /api/auth/me': { kind: 'self' },
  'PATCH /api/auth/me': { kind: 'self' },
  'POST /api/auth/sign-out': { kind: 'self' },
  'POST /api/auth/sign-out-everywhere': { kind: 'self' },
  'POST /api/auth/password': { kind: 'self' },
  'GET /api/tokens': { kind: 'self' },
  'POST /api/tokens': { kind: 'self' },
  'DELETE /api/tokens/:id': { kind: 'self' },

  'GET /api/accounts': { kind: 'collection', capability: 'account.admin' },
  'POST /api/accounts': { kind: 'collection', capability: 'account.admin' },
  'PATCH /api/accounts/:id': { kind: 'account', capability: 'account.admin' },
  'GET /api/audit': { kind: 'collection', capability: 'audit.read' },
  'GET /api/audit/verify': { kind: 'collection', capability: 'audit.read' },
  'GET /api/intake/spool': { kind: 'collection', capability: 'intake.spool-counts' },
  'GET /api/intake/spool/troubled': { kind: 'collection', capability: 'intake.spool' },
  'GET /api/intake/spool/:id/raw': { kind: 'spool', capability: 'intake.spool-raw' },
  'POST /api/intake/spool/:id/release': { kind: 'spool', capability: 'intake.spool' },
  'POST /api/intake/spool/release-held': { kind: 'collection', capability: 'intake.spool' },

  'POST /api/reports': { kind: 'collection', capability: 'report.submit' },
  'POST /api/reports/bulk': { kind: 'collection', capability: 'report.submit' },
  'GET /api/reports': { kind: 'collection' },
  'GET /api/reports/:id': { kind: 'report' },
  'GET /api/reports/:id/raw': { kind: 'report' },
  'GET /api/reports/:id/html': { kind: 'report' },
  'GET /api/reports/:id/headers': { kind: 'report' },
  'GET /api/reports/:id/attachments/:attachmentId': { kind: 'report' },
  'POST /api/reports/:id/reject': { kind: 'report', capability: 'report.triage' },
  'POST /api/reports/reject': { kind: 'collection', capability: 'report.triage' },

  'POST /api/incidents': { kind: 'collection', capability: 'incident.write' },
  'POST /api/incidents/from-reports': { kind: 'collection', capability: 'report.triage' },
  'GET /api/incidents': { kind: 'collection' },
  'GET /api/incidents/:id': { kind: 'incident' },
  'PATCH /api/incidents/:id': { kind: 'incident', capability: 'incident.write' },
  'POST /api/incidents/:id/status': { kind: 'incident', capability: 'incident.write' },
  'POST /api/incidents/:id/reports': { kind: 'incident', capability: 'report.triage' },
  'POST /api/incidents/:id/merge': { kind: 'incident', capability: 'incident.write' },
  'POST /api/incidents/:id/split': { kind: 'incident', capability: 'incident.write' },
  'GET /api/incidents/:id/timeline': { kind: 'incident' },
  'GET /api/incidents/:id/sla': { kind: 'incident' },
  'POST /api/incidents/:id/timeline': { kind: 'incident', capability: 'incident.write' },
  'GET /api/incidents/:id/observables': { kind: 'incident' },
  'GET /api/incidents/:id/observables/:observableId/incidents': { kind: 'incident' },
  'POST /api/incidents/:id/observables': { kind: 'incident', capability: 'incident.write' },
  'GET /api/incidents/:id/access': { kind: 'incident' },
  'PUT /api/incidents/:id/access': { kind: 'incident', capability: 'incident.share' },
  'PUT /api/incidents/:id/shares': { kind: 'incident', capability: 'incident.share' },

  'GET /api/incidents/:id/coordinations': { kind: 'incident', capability: 'coordination.read' },
  'POST /api/incidents/:id/coordinations': { kind: 'incident', capability: 'coordination.send' },
  'GET /api/incidents/:id/coordinations/:coordinationId': { kind: 'incident', capability: 'coordination.read' },
  'PATCH /api/incidents/:id/coordinations/:coordinationId': { kind: 'incident', capability: 'coordination.send' },
  'POST /api/incidents/:id/coordinations/:coordinationId/send': { kind: 'incident', capability: 'coordination.send' },
  'POST /api/incidents/:id/coordinations/:coordinationId/state': { kind: 'incident', capability: 'coordination.send' },
  'GET /api/incidents/:id/takedowns': { kind: 'incident', capability: 'coordination.read' },
  'POST /api/incidents/:id/takedowns': { kind: 'incident', capability: 'coordination.send' },
  'POST /api/incidents/:id/takedowns/:takedownId/check': { kind: 'incident', capability: 'coordination.send' },
  'GET /api/incidents/:id/evidence': { kind: 'incident', capability: 'evidence.read' },
  'POST /api/incidents/:id/evidence': { kind: 'incident', capability: 'evidence.handle' },
  'POST /api/incidents/:id/evidence/export': { kind: 'incident', capability: 'evidence.handle' },
  'GET /api/incidents/:id/evidence/:itemId': { kind: 'incident', capability: 'evidence.read' },
  'GET /api/incidents/:id/evidence/:itemId/content': { kind: 'incident', capability: 'evidence.read' },
  'POST /api/incidents/:id/evidence/:itemId/hand-over': { kind: 'incident', capability: 'evidence.handle' },
  'GET /api/playbooks': { kind: 'collection', capability: 'steering.read' },
  'GET /api/playbooks/:category': { kind: 'collection', capability: 'steering.read' },
  'PUT /api/playbooks/:category': { kind: 'collection', capability: 'playbook.write' },
  'GET /api/incidents/:id/tasks': { kind: 'incident', capability: 'steering.read' },
  'POST /api/incidents/:id/tasks': { kind: 'incident', capability: 'incident.write' },
  'PATCH /api/incidents/:id/tasks/:taskId': { kind: 'incident', capability: 'incident.write' },
  'POST /api/incidents/:id/playbook': { kind: 'incident', capability: 'incident.write' },
  'GET /api/rules': { kind: 'collection', capability: 'steering.read' },
  'POST /api/rules': { kind: 'collection', capability: 'rule.write' },
  'GET /api/rules/:ruleId': { kind: 'collection', capability: 'steering.read' },
  'PUT /api/rules/:ruleId': { kind: 'collection', capability: 'rule.write' },
  'DELETE /api/rules/:ruleId': { kind: 'collection', capability: 'rule.write' },
  'GET /api/incidents/:id/decisions': { kind: 'incident', capability: 'steering.read' },
  'POST /api/incidents/:id/decisions/:before': { kind: 'incident', capability: 'incident.decide' },
  'GET /api/templates': { kind: 'collection', capability: 'coordination.read' },
  'GET /api/templates/:kind/:language': { kind: 'collection', capability: 'coordination.read' },
  'PUT /api/templates/:kind/:language': { kind: 'collection', capability: 'template.write' },
  'GET /api/observables/sightings': { kind: 'collection' },
  'GET /api/observables/:id/sightings': { kind: 'collection' },
  'GET /api/search': { kind: 'collection' },

  'POST /api/organisations': { kind: 'collection', capability: 'directory.write' },
  'GET /api/organisations': { kind: 'collection', capability: 'directory.read' },
  'GET /api/organisations/:id': { kind: 'organisation', capability: 'directory.read' },
  'PUT /api/organisations/:id': { kind: 'organisation', capability: 'directory.write' },
  'POST /api/organisations/import': { kind: 'collection', capability: 'directory.write' },
  'GET /api/organisations/export': { kind: 'collection', capability: 'directory.read' },
  'GET /api/directory/owner': { kind: 'collection', capability: 'directory.read' },
  'GET /api/directory/abuse-contact': { kind: 'collection', capability: 'directory.read' },

  // Statistics: counts only, for the team's staff; the public status page is opt-in (404 unless RENKEI_PUBLIC_STATUS=true).
  'GET /api/statistics/quarterly': { kind: 'collection', capability: 'statistics.read' },
  'GET /api/statistics/quarterly.csv': { kind: 'collection', capability: 'statistics.read' },
  'GET /api/statistics/quarterly.html': { kind: 'collection', capability: 'statistics.read' },
  'GET /api/public/statistics': { kind: 'public' },
};
