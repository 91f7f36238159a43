import type { Language } from './organisation.schema.js';
import type { TemplateInput, TemplateKind } from './message-template.js';

/**
 * The templates Renkei starts with, in Japanese and English. Leads replace
 * them (each edit is a new version); these stay as the fallback. The
 * tracking tag is added to every subject whether a template names it or not.
 */
export const DEFAULT_TEMPLATES: Record<TemplateKind, Record<Language, TemplateInput>> = {
  notification: {
    ja: {
      subject: '[{{coordination.tag}}] セキュリティインシデントに関するご連絡',
      body: `{{recipient.organisation}}
{{recipient.name}} 様

{{team.name}} です。
貴組織に関係すると思われるセキュリティインシデントの情報を受け取りましたので、ご連絡いたします。

件名: {{incident.title}}
種別: {{incident.category}}
初回観測: {{incident.firstSeen}}

関連する情報:
{{observables.all}}

ご確認のうえ、必要な対応をご検討いただけますでしょうか。
状況をご返信いただく際は、件名の [{{coordination.tag}}] をそのまま残してください。

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Security incident affecting your organisation',
      body: `Dear {{recipient.name}},

This is {{team.name}}. We received information on a security incident that appears to involve {{recipient.organisation}}.

Subject: {{incident.title}}
Type: {{incident.category}}
First seen: {{incident.firstSeen}}

Related information:
{{observables.all}}

Could you please look into it and take the action you consider appropriate?
When you reply, please keep [{{coordination.tag}}] in the subject.

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
  },
  takedown: {
    ja: {
      subject: '[{{coordination.tag}}] フィッシングサイト等の停止のご依頼',
      body: `{{recipient.organisation}}
{{recipient.name}} 様

{{team.name}} です。
貴組織が管理されているネットワーク上で、以下のサイトが {{incident.category}} に利用されていることを確認いたしました。

URL:
{{observables.urls}}

IP アドレス:
{{observables.ips}}

初回観測: {{incident.firstSeen}}

利用者への被害拡大を防ぐため、当該コンテンツの停止につきましてご対応をお願いできますでしょうか。
対応状況をご返信いただく際は、件名の [{{coordination.tag}}] をそのまま残してください。

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Takedown request: {{incident.category}}',
      body: `Dear {{recipient.name}},

This is {{team.name}}. We have confirmed that the following content on a network you operate is being used for {{incident.category}}.

URLs:
{{observables.urls}}

IP addresses:
{{observables.ips}}

First seen: {{incident.firstSeen}}

To protect the people it targets, please take this content down.
When you reply, please keep [{{coordination.tag}}] in the subject.

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
  },
  'information-request': {
    ja: {
      subject: '[{{coordination.tag}}] 情報提供のお願い',
      body: `{{recipient.organisation}}
{{recipient.name}} 様

{{team.name}} です。
現在対応中のインシデント（{{incident.title}}）について、以下に関する情報をお持ちでしたらご提供いただけますでしょうか。

{{observables.all}}

ご返信の際は、件名の [{{coordination.tag}}] をそのまま残してください。

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Request for information',
      body: `Dear {{recipient.name}},

This is {{team.name}}. We are handling an incident ({{incident.title}}) and would be grateful for any information you hold on the following:

{{observables.all}}

When you reply, please keep [{{coordination.tag}}] in the subject.

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
`,
    },
  },
  'csirt-report': {
    ja: {
      subject: '[{{coordination.tag}}] インシデント情報の共有: {{incident.category}}',
      body: `{{recipient.organisation}} ご担当者様

{{team.name}} です。
貴チームの担当範囲に関係すると思われるインシデントについて、情報を共有いたします。

件名: {{incident.title}}
種別: {{incident.category}}
初回観測: {{incident.firstSeen}}

指標:
{{observables.all}}

貴チームのコンスティチュエンシーへのご連絡につきまして、ご協力をお願いいたします。
ご返信の際は、件名の [{{coordination.tag}}] をそのまま残してください。

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Incident report: {{incident.category}}',
      body: `Dear colleagues at {{recipient.organisation}},

This is {{team.name}}. We are sharing an incident that appears to concern your constituency.

Subject: {{incident.title}}
Type: {{incident.category}}
First seen: {{incident.firstSeen}}

Indicators:
{{observables.all}}

We would appreciate your help in notifying the parties in your constituency.
When you reply, please keep [{{coordination.tag}}] in the subject.

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
  },
  'law-enforcement': {
    ja: {
      subject: '[{{coordination.tag}}] インシデント情報のご提供',
      body: `{{recipient.organisation}}
{{recipient.name}} 様

{{team.name}} です。
下記のインシデントについて情報をご提供いたします。

件名: {{incident.title}}
種別: {{incident.category}}
初回観測: {{incident.firstSeen}}

{{observables.all}}

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Incident information',
      body: `Dear {{recipient.name}},

This is {{team.name}}. Please find below information on the following incident.

Subject: {{incident.title}}
Type: {{incident.category}}
First seen: {{incident.firstSeen}}

{{observables.all}}

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
`,
    },
  },
  'reporter-update': {
    ja: {
      subject: '[{{coordination.tag}}] ご報告いただいた件の対応状況',
      body: `{{reporter.name}} 様

{{team.name}} です。
先日ご報告いただいた件（受付番号 {{incident.number}}）について、対応状況をお知らせいたします。

現在の状況: {{incident.status}}

ご報告いただき、ありがとうございました。
お問い合わせの際は、件名の [{{coordination.tag}}] をそのまま残してください。

--
{{team.name}} <{{team.email}}>
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Update on your report',
      body: `Dear {{reporter.name}},

This is {{team.name}}. Here is an update on the report you sent us (reference {{incident.number}}).

Current status: {{incident.status}}

Thank you for reporting it.
If you write to us about it, please keep [{{coordination.tag}}] in the subject.

--
{{team.name}} <{{team.email}}>
`,
    },
  },
  'follow-up': {
    ja: {
      subject: '[{{coordination.tag}}] 再送: {{incident.title}}',
      body: `{{recipient.organisation}}
{{recipient.name}} 様

{{team.name}} です。
先日お送りした下記の件について、その後の状況をお知らせいただけますでしょうか。
現時点でも以下が確認されています。

{{observables.all}}

ご返信の際は、件名の [{{coordination.tag}}] をそのまま残してください。

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Follow-up: {{incident.title}}',
      body: `Dear {{recipient.name}},

This is {{team.name}} following up on our earlier message, to which we have not yet seen an answer.
The following is still observed:

{{observables.all}}

Could you let us know where things stand? Please keep [{{coordination.tag}}] in the subject of your reply.

{{tlp.label}}: {{tlp.notice}}

--
{{handler.name}}
{{team.name}} <{{team.email}}>
`,
    },
  },
  acknowledgement: {
    ja: {
      subject: '[{{coordination.tag}}] ご報告を受け付けました',
      body: `{{reporter.name}} 様

{{team.name}} です。ご報告ありがとうございます。
受付番号 {{coordination.tag}} で受け付けました。お問い合わせの際は、件名の受付番号をそのまま残してください。

このメールは自動送信です。

--
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
    en: {
      subject: '[{{coordination.tag}}] Your report has been received',
      body: `Dear {{reporter.name}},

This is {{team.name}}. Thank you for your report.
It has been received under reference {{coordination.tag}}; please keep it in the subject if you write to us about it.

This message was sent automatically.

--
{{team.name}} <{{team.email}}>
PGP: {{team.pgpFingerprint}}
`,
    },
  },
};
