import { AppError } from './errors.js';

export const INCIDENT_STATUSES = ['new', 'open', 'waiting', 'resolved', 'closed', 'rejected'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * Allowed moves. A resolved incident can be reopened (the site came back);
 * a closed one too, deliberately, since relapses happen. `rejected` is final
 * except for a reopen by mistake-correction to `open`.
 */
const TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: ['open', 'rejected'],
  open: ['waiting', 'resolved', 'rejected'],
  waiting: ['open', 'resolved'],
  resolved: ['closed', 'open'],
  closed: ['open'],
  rejected: ['open'],
};

export const canTransition = (from: IncidentStatus, to: IncidentStatus): boolean =>
  TRANSITIONS[from].includes(to);

export const allowedTransitions = (from: IncidentStatus): readonly IncidentStatus[] => TRANSITIONS[from];

export function assertTransition(from: IncidentStatus, to: IncidentStatus): void {
  if (!canTransition(from, to)) {
    const allowed = TRANSITIONS[from];
    throw new AppError('INVALID_TRANSITION', `an incident cannot go from ${from} to ${to}; from ${from} it can go to ${allowed.join(', ')}`, {
      from,
      to,
      allowed,
    });
  }
}

/** Open in the sense of "still being worked": candidates for correlation. */
export const isActiveStatus = (status: IncidentStatus): boolean =>
  status === 'new' || status === 'open' || status === 'waiting';
