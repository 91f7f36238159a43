import { z } from 'zod';
import { CATEGORIES, type Category } from './taxonomy.js';
import { multiLine, singleLine } from './text.js';

/**
 * Playbooks: per category, the ordered tasks a handler works through, grouped
 * by the seed's phases. Leads edit them; every edit is a new version, and an
 * incident's tasks remember the version they came from.
 */
export const PHASES = ['analysis', 'notification', 'containment', 'evidence', 'recovery'] as const;
export type Phase = (typeof PHASES)[number];

export const TASK_STATES = ['open', 'done', 'not-needed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

const bilingual = (max: number) =>
  z.strictObject({ ja: max > 300 ? multiLine(max) : singleLine(max), en: max > 300 ? multiLine(max) : singleLine(max) });

export const PlaybookTaskSchema = z.strictObject({
  /** Stable within the playbook: an incident gets each key once, whatever the version. */
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a key such as check-site or notify-hoster'),
  phase: z.enum(PHASES),
  title: bilingual(300),
  description: bilingual(4000).optional(),
  /** Closing the incident while it is open needs a lead's override. */
  mandatory: z.boolean().default(false),
  /** Due this many hours after the task is added; none: no due date. */
  dueAfterHours: z.number().int().min(1).max(24 * 365).optional(),
});
export type PlaybookTask = z.output<typeof PlaybookTaskSchema>;

export const PlaybookSchema = z
  .strictObject({
    title: bilingual(200),
    tasks: z.array(PlaybookTaskSchema).min(1).max(200),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.tasks.forEach((t, i) => {
      if (seen.has(t.key)) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'key'], message: `task key ${t.key} appears twice` });
      seen.add(t.key);
    });
  });
export type PlaybookInput = z.input<typeof PlaybookSchema>;
export type PlaybookDefinition = z.output<typeof PlaybookSchema>;

export interface Playbook extends PlaybookDefinition {
  category: Category;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

/** Tasks in the order they are worked: by phase, then as listed. */
export function orderedTasks(tasks: readonly PlaybookTask[]): PlaybookTask[] {
  return [...tasks].sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
}

type T = { key: string; phase: Phase; ja: string; en: string; mandatory?: boolean; due?: number };
const book = (ja: string, en: string, tasks: T[]): PlaybookDefinition => ({
  title: { ja, en },
  tasks: tasks.map((t) => ({
    key: t.key,
    phase: t.phase,
    title: { ja: t.ja, en: t.en },
    mandatory: t.mandatory ?? false,
    ...(t.due ? { dueAfterHours: t.due } : {}),
  })),
});

const evidenceTasks: T[] = [
  { key: 'keep-originals', phase: 'evidence', ja: '報告の原本（ヘッダ付きメール・添付）を証拠として保全する', en: 'Keep the original reports (mail with headers, attachments) as evidence', mandatory: true },
];
const closeTasks: T[] = [
  { key: 'tell-reporter', phase: 'recovery', ja: '報告者へ対応結果を連絡する', en: 'Tell the reporter the outcome' },
];

/** The playbooks Renkei starts with; leads replace them with their own (a new version each time). */
export const DEFAULT_PLAYBOOKS: Record<Category, PlaybookDefinition> = {
  phishing: book('フィッシングサイト対応', 'Phishing site', [
    { key: 'confirm-site', phase: 'analysis', ja: 'サイトが稼働しているか、正規サイトの模倣かを確認する', en: 'Confirm the site is up and imitates a real one', mandatory: true, due: 2 },
    { key: 'identify-brand', phase: 'analysis', ja: '模倣されているブランドと業種を記録する', en: 'Record the imitated brand and its sector' },
    { key: 'find-hoster', phase: 'analysis', ja: 'ホスティング事業者・レジストラの連絡先を特定する', en: 'Find the hosting provider and registrar contacts' },
    { key: 'request-takedown', phase: 'notification', ja: 'ホスティング事業者へテイクダウンを依頼する', en: 'Ask the hosting provider to take the site down', mandatory: true, due: 8 },
    { key: 'inform-brand', phase: 'notification', ja: '模倣されたブランドの組織へ情報提供する', en: 'Inform the imitated brand' },
    { key: 'verify-down', phase: 'containment', ja: 'サイトの停止を確認する（48時間）', en: 'Verify the site stays down (48 hours)', mandatory: true },
    ...evidenceTasks,
    { key: 'keep-capture', phase: 'evidence', ja: 'サイトの取得結果（ページ・証明書）を保全する', en: 'Keep the captured pages and certificate' },
    ...closeTasks,
  ]),
  defacement: book('Webサイト改ざん対応', 'Web site defacement', [
    { key: 'confirm-defacement', phase: 'analysis', ja: '改ざんを確認し、改ざん箇所を記録する', en: 'Confirm the defacement and record what was changed', mandatory: true, due: 4 },
    { key: 'find-owner', phase: 'analysis', ja: 'サイト管理者の連絡先を特定する', en: 'Find the site owner’s contact' },
    { key: 'notify-owner', phase: 'notification', ja: 'サイト管理者へ通知する', en: 'Notify the site owner', mandatory: true, due: 24 },
    { key: 'check-restored', phase: 'containment', ja: '復旧を確認する', en: 'Check the site is restored', mandatory: true },
    ...evidenceTasks,
    { key: 'advise-cause', phase: 'recovery', ja: '原因（脆弱性・認証情報漏えい）の調査と対策を助言する', en: 'Advise on finding and fixing the cause (vulnerability, leaked credentials)' },
    ...closeTasks,
  ]),
  malware: book('マルウェア配布対応', 'Malware distribution', [
    { key: 'collect-sample', phase: 'analysis', ja: '検体を取得し、ハッシュを記録する', en: 'Collect the sample and record its hashes', mandatory: true },
    { key: 'analyse-sample', phase: 'analysis', ja: '検体の挙動・通信先を分析する', en: 'Analyse the sample’s behaviour and where it connects' },
    { key: 'notify-hoster', phase: 'notification', ja: '配布元・C2のホスティング事業者へ通知する', en: 'Notify the hosters of the distribution site and C2', mandatory: true, due: 24 },
    { key: 'share-iocs', phase: 'notification', ja: 'IoCを関係組織・CSIRTと共有する（TLPに従う）', en: 'Share the IoCs with partners (within the TLP)' },
    { key: 'verify-removed', phase: 'containment', ja: '配布停止を確認する', en: 'Verify the distribution stopped' },
    ...evidenceTasks,
    { key: 'keep-sample-zipped', phase: 'evidence', ja: '検体はパスワード付きZIP（infected）でのみ保管・受け渡しする', en: 'Keep and hand over the sample only as a password-protected ZIP (infected)', mandatory: true },
    ...closeTasks,
  ]),
  scan: book('スキャン対応', 'Scanning', [
    { key: 'check-logs', phase: 'analysis', ja: 'ログから送信元・期間・対象ポートを確認する', en: 'Check the logs for source, period and ports' },
    { key: 'notify-source-isp', phase: 'notification', ja: '送信元ネットワークの管理者へ通知する', en: 'Notify the source network’s abuse contact', due: 72 },
    ...closeTasks,
  ]),
  dos: book('DoS/DDoS 対応', 'DoS / DDoS', [
    { key: 'assess-impact', phase: 'analysis', ja: '影響範囲とトラフィックの特徴を確認する', en: 'Assess the impact and the traffic’s shape', mandatory: true, due: 1 },
    { key: 'contact-upstream', phase: 'notification', ja: '上位ISPへ連絡し、緩和策を依頼する', en: 'Contact the upstream ISP and ask for mitigation', mandatory: true, due: 2 },
    { key: 'notify-sources', phase: 'notification', ja: '攻撃元ネットワークへ通知する', en: 'Notify the source networks' },
    { key: 'confirm-mitigated', phase: 'containment', ja: '攻撃の収束を確認する', en: 'Confirm the attack has subsided' },
    ...evidenceTasks,
    ...closeTasks,
  ]),
  'targeted-attack': book('標的型攻撃対応', 'Targeted attack', [
    { key: 'decide-scope', phase: 'analysis', ja: '意思決定者と対応範囲を決める', en: 'Name the decision owner and decide the scope', mandatory: true, due: 4 },
    { key: 'analyse-mail', phase: 'analysis', ja: '攻撃メール・添付・通信先を分析する', en: 'Analyse the attack mail, attachments and destinations', mandatory: true },
    { key: 'notify-victim', phase: 'notification', ja: '被害組織へ通知する（TLPに従う）', en: 'Notify the victim organisation (within the TLP)', mandatory: true, due: 24 },
    { key: 'share-partners', phase: 'notification', ja: '関係CSIRTと情報共有する', en: 'Share with partner CSIRTs' },
    { key: 'advise-containment', phase: 'containment', ja: '感染端末の隔離と通信遮断を助言する', en: 'Advise isolating infected hosts and blocking destinations' },
    ...evidenceTasks,
    { key: 'preserve-logs', phase: 'evidence', ja: 'ログ・ディスクイメージの保全を依頼する', en: 'Ask for logs and disk images to be preserved', mandatory: true },
    { key: 'advise-recovery', phase: 'recovery', ja: '根絶・復旧と再発防止策を助言する', en: 'Advise on eradication, recovery and prevention' },
    ...closeTasks,
  ]),
  ics: book('制御システム関連対応', 'Industrial control systems', [
    { key: 'assess-safety', phase: 'analysis', ja: '安全への影響を確認する', en: 'Assess the impact on safety', mandatory: true, due: 2 },
    { key: 'notify-operator', phase: 'notification', ja: '運用組織へ通知する', en: 'Notify the operator', mandatory: true, due: 8 },
    { key: 'notify-vendor', phase: 'notification', ja: '製品ベンダーへ連絡する', en: 'Contact the product vendor' },
    ...evidenceTasks,
    ...closeTasks,
  ]),
  vulnerability: book('脆弱性調整', 'Vulnerability coordination', [
    { key: 'reproduce', phase: 'analysis', ja: '脆弱性を再現・確認する', en: 'Reproduce and confirm the vulnerability', mandatory: true },
    { key: 'contact-vendor', phase: 'notification', ja: '製品開発者へ連絡し、公表日を調整する', en: 'Contact the vendor and agree a disclosure date', mandatory: true, due: 72 },
    { key: 'track-fix', phase: 'recovery', ja: '修正版の提供を確認する', en: 'Track the fix until it ships' },
    { key: 'publish-advisory', phase: 'recovery', ja: 'アドバイザリを公表する', en: 'Publish the advisory' },
    ...closeTasks,
  ]),
  other: book('その他のインシデント対応', 'Other incident', [
    { key: 'assess', phase: 'analysis', ja: '内容を確認し、カテゴリを見直す', en: 'Assess the report and review the category', due: 24 },
    { key: 'notify-party', phase: 'notification', ja: '対応できる組織へ連絡する', en: 'Contact the party that can act' },
    ...closeTasks,
  ]),
};

export const isCategory = (c: string): c is Category => (CATEGORIES as readonly string[]).includes(c);
