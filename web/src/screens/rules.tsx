import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { RuleAction, RuleCondition } from '../../../src/domain/escalation-rule.js';
import { api, withQuery } from '../api/client';
import type { Organisation, Page, Rule } from '../api/types';
import { useApi } from '../api/use-api';
import { ConfirmDialog, DateTime, ErrorNote, Loading } from '../components/common';
import { Who } from '../components/decision-panel';
import { useAccount } from '../session';
import { RuleForm } from '../components/rule-form';
import '../components/steering.css';

/** Partner CSIRTs a rule can mark an incident for (the directory's CSIRTs). */
function usePartners() {
  const orgs = useApi<Page<Organisation>>(withQuery('/api/organisations', { kind: 'csirt', limit: 200 }));
  return orgs.data?.items ?? [];
}

/** A list of domain values in words: "Phishing site or Malware". */
function anyOf(t: TFunction, values: readonly string[], label: (v: string) => string): string {
  return values.map(label).join(t('list.or'));
}

/** A rule's conditions, one sentence each, in the reader's language (values that are data stay as written). */
function conditionWords(t: TFunction, w: RuleCondition): ReactNode[] {
  const out: ReactNode[] = [];
  if (w.categories) out.push(t('rules.when.categories', { list: anyOf(t, w.categories, (v) => t(`category.${v}`)) }));
  if (w.severities) out.push(t('rules.when.severities', { list: anyOf(t, w.severities, (v) => t(`severity.${v}`)) }));
  if (w.priorities) out.push(t('rules.when.priorities', { list: anyOf(t, w.priorities, (v) => t(`priority.${v}`)) }));
  if (w.tlp)
    out.push(
      <>
        {t('rules.when.tlp')} <span translate="no">{w.tlp.map((v) => `TLP:${v}`).join(' / ')}</span>
      </>,
    );
  if (w.constituencies)
    out.push(
      <>
        {t('rules.when.constituencies')} <span translate="no">{w.constituencies.join(', ')}</span>
      </>,
    );
  if (w.watchlist)
    out.push(
      <>
        {t('rules.when.watchlist', { count: w.watchlist.length })}{' '}
        <span translate="no" className="break">
          {w.watchlist.slice(0, 3).join(', ')}
          {w.watchlist.length > 3 ? ', …' : ''}
        </span>
      </>,
    );
  if (w.sla) {
    const clock = w.sla.clock ? t(`slaClock.${w.sla.clock}`) : t('rules.anyClock');
    out.push(w.sla.state === 'breached' ? t('rules.when.slaBreached', { clock }) : t('rules.when.slaDueSoon', { clock, minutes: w.sla.withinMinutes }));
  }
  if (w.reportsAtLeast !== undefined) out.push(t('rules.when.reportsAtLeast', { count: w.reportsAtLeast }));
  if (w.keywords)
    out.push(
      <>
        {t('rules.when.keywords')} <span translate="no">{w.keywords.map((k) => `“${k}”`).join(', ')}</span>
      </>,
    );
  return out;
}

/** One action in words. */
function ActionWords({ action, partners }: { action: RuleAction; partners: Organisation[] }) {
  const { t } = useTranslation();
  switch (action.type) {
    case 'assign':
      return (
        <>
          {t('rules.then.assign')} <span translate="no">{action.to}</span>
        </>
      );
    case 'raise-priority':
      return <>{t('rules.then.raisePriority', { to: t(`priority.${action.to}`) })}</>;
    case 'raise-severity':
      return <>{t('rules.then.raiseSeverity', { to: t(`severity.${action.to}`) })}</>;
    case 'notify':
      return action.who === 'leads' ? (
        <>{t('rules.then.notifyLeads')}</>
      ) : action.who === 'on-call' ? (
        <>{t('rules.then.notifyOnCall')}</>
      ) : (
        <>
          {t('rules.then.notify')} <span translate="no">{action.who}</span>
        </>
      );
    case 'add-playbook':
      return <>{t('rules.then.addPlaybook', { category: t(`category.${action.category}`) })}</>;
    case 'require-decision':
      return <>{t(`rules.then.requireDecision.${action.before}`)}</>;
    case 'mark-for-partner': {
      const org = partners.find((o) => o.id === action.organisationId);
      return (
        <>
          {t('rules.then.markForPartner')} <span translate="no">{org ? org.name : action.organisationId}</span>
        </>
      );
    }
  }
}

/** The escalation rules in words; leads write, change, enable and disable them. */
export function RulesScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  const isLead = me.roles.includes('lead');
  const rules = useApi<{ items: Rule[] }>('/api/rules');
  const partners = usePartners();
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<Rule | null>(null);

  /**
   * A change to one rule from the list: the flash it earns, or the error; the
   * list is reloaded either way — after a refusal (another lead changed the
   * rule meanwhile) it shows their version, so the next click starts from it.
   */
  const change = async (request: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setFlash(null);
    try {
      setFlash(await request());
    } catch (err) {
      setError(err);
    } finally {
      setDeleting(null);
      setBusy(false);
      rules.reload();
    }
  };
  const remove = (rule: Rule) =>
    change(async () => {
      await api<void>('DELETE', withQuery(`/api/rules/${rule.id}`, { version: rule.version }));
      return t('rules.deletedNow', { name: rule.name });
    });
  const toggle = (rule: Rule) =>
    change(async () => {
      const saved = await api<Rule>('PUT', `/api/rules/${rule.id}`, { name: rule.name, enabled: !rule.enabled, when: rule.when, then: rule.then, version: rule.version });
      return t(saved.enabled ? 'rules.enabledNow' : 'rules.disabledNow', { name: saved.name });
    });

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('rules.heading')}</h1>
        {isLead && !editing && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            {t('rules.new')}
          </button>
        )}
      </div>
      <p className="muted">{t('rules.intro')}</p>
      {flash && (
        <p className="flash" role="status">
          <span translate="no">{flash}</span>
        </p>
      )}
      <ErrorNote error={error} />
      {editing && (
        <RuleForm
          key={editing === 'new' ? 'new' : `${editing.id}-${editing.version}`}
          rule={editing === 'new' ? null : editing}
          partners={partners}
          onCancel={() => setEditing(null)}
          onConflict={() => rules.reload()}
          onSaved={(r) => {
            setEditing(null);
            setFlash(t('rules.saved', { name: r.name, version: r.version }));
            rules.reload();
          }}
        />
      )}
      <ErrorNote error={rules.error} />
      {!rules.data && rules.isLoading && <Loading />}
      {rules.data && rules.data.items.length === 0 && <p className="empty">{t('rules.none')}</p>}
      {rules.data && rules.data.items.length > 0 && (
        <ul className="rules-list">
          {rules.data.items.map((r) => (
            <li key={r.id} className={`rule-card${r.enabled ? '' : ' rule-disabled'}`} data-testid="rule" aria-labelledby={`rule-${r.id}`}>
              <div className="task-head">
                <h3 id={`rule-${r.id}`} translate="no">
                  {r.name}
                </h3>
                <span className={`badge ${r.enabled ? 'rule-state-on' : 'rule-state-off'}`}>{t(r.enabled ? 'rules.enabled' : 'rules.disabled')}</span>
                <span className="muted">
                  {t('rules.version', { version: r.version })} · <Who id={r.updatedBy} /> · <DateTime value={r.updatedAt} />
                </span>
              </div>
              <div className="rule-label">{t('rules.whenHeading')}</div>
              <ul>
                {conditionWords(t, r.when).map((c, i) => (
                  <li key={i}>{c}</li>
                ))}
              </ul>
              <div className="rule-label">{t('rules.thenHeading')}</div>
              <ul>
                {r.then.map((a, i) => (
                  <li key={i}>
                    <ActionWords action={a} partners={partners} />
                  </li>
                ))}
              </ul>
              {isLead && (
                <div className="task-actions">
                  <button type="button" onClick={() => setEditing(r)} disabled={busy} aria-describedby={`rule-${r.id}`}>
                    {t('rules.edit')}
                  </button>
                  <button type="button" onClick={() => void toggle(r)} disabled={busy} aria-describedby={`rule-${r.id}`}>
                    {t(r.enabled ? 'rules.disable' : 'rules.enable')}
                  </button>
                  <button type="button" className="danger" onClick={() => setDeleting(r)} disabled={busy} aria-describedby={`rule-${r.id}`}>
                    {t('rules.delete')}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        target={deleting}
        title={t('rules.deleteTitle')}
        question={t('rules.deleteConfirm')}
        name={(rule) => rule.name}
        warning={t('rules.deleteKeeps')}
        action={t('rules.delete')}
        busy={busy}
        onClose={() => setDeleting(null)}
        onConfirm={(rule) => void remove(rule)}
      />
    </main>
  );
}
