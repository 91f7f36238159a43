import { AppError } from '../domain/errors.js';
import { COORDINATION_REMINDER_JOB } from '../services/coordination-send.service.js';
import { recordDeliveryFailure, runCoordinationReminder } from '../services/coordination-queue.service.js';
import { MAIL_DELIVER_JOB, deliverMail } from '../services/outbound-mail.service.js';
import { PASSWORD_RESET_JOB, sendPasswordResetLink } from '../services/auth/password-reset.service.js';
import { ACKNOWLEDGE_JOB, acknowledgeReport } from '../services/acknowledge.service.js';
import { TAKEDOWN_CHECK_JOB, runLivenessCheck } from '../services/takedown.service.js';
import { SLA_CHECK_JOB, runSlaCheck } from '../services/sla.service.js';
import { RULES_EVALUATE_JOB, runRulesTimer } from '../services/rules.service.js';
import { EVIDENCE_RETENTION_JOB, runScheduledEvidenceRetention } from '../services/evidence-retention.service.js';
import { HELD_MAIL_ALERT_JOB, runHeldMailAlert } from '../services/held-mail.service.js';
import { PermanentJobError, type JobHandler } from './runner.js';

/** Every kind of background job, and the use case it runs. */
export const JOB_HANDLERS: Readonly<Record<string, JobHandler>> = {
  [MAIL_DELIVER_JOB]: async (deps, payload, ctx) => {
    const p = payload as { mailId?: unknown; secret?: unknown } | null;
    if (typeof p?.mailId !== 'string') throw new PermanentJobError('mail job without a mailId');
    let outcome;
    try {
      outcome = await deliverMail(deps, p.mailId, { number: ctx.attempt, isLast: ctx.isLastAttempt, isSecret: p.secret === true });
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw new PermanentJobError(err.message);
      throw err;
    }
    if (outcome.state === 'retry') throw new Error(outcome.error ?? 'relay did not take the message');
    if (outcome.state === 'failed' && outcome.mail.coordinationId) {
      await recordDeliveryFailure(deps, outcome.mail.coordinationId, outcome.mail.id, outcome.error ?? 'delivery failed');
    }
  },
  [EVIDENCE_RETENTION_JOB]: async (deps) => {
    await runScheduledEvidenceRetention(deps);
  },
  [HELD_MAIL_ALERT_JOB]: async (deps) => {
    await runHeldMailAlert(deps);
  },
  [RULES_EVALUATE_JOB]: async (deps, payload) => {
    await runRulesTimer(deps, payload);
  },
  [SLA_CHECK_JOB]: async (deps, payload) => {
    await runSlaCheck(deps, payload);
  },
  [TAKEDOWN_CHECK_JOB]: async (deps, payload) => {
    const id = (payload as { takedownId?: unknown } | null)?.takedownId;
    if (typeof id !== 'string') throw new PermanentJobError('takedown check without a takedownId');
    await runLivenessCheck(deps, id);
  },
  [ACKNOWLEDGE_JOB]: async (deps, payload) => {
    await acknowledgeReport(deps, payload);
  },
  [PASSWORD_RESET_JOB]: async (deps, payload) => {
    await sendPasswordResetLink(deps, payload);
  },
  [COORDINATION_REMINDER_JOB]: async (deps, payload) => {
    try {
      await runCoordinationReminder(deps, payload);
    } catch (err) {
      if (err instanceof AppError && (err.code === 'VALIDATION' || err.code === 'NOT_FOUND')) throw new PermanentJobError(err.message);
      throw err;
    }
  },
};
