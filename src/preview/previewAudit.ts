/**
 * In a preview, every audit event of the request names the privacy officer as the actor (role
 * privacy_officer, no partner) and carries the previewed caller in `detail.preview`.
 */
import type { AuditEventDraft } from '../audit/auditEvent';
import type { PreviewMark } from './previewMark';
import { previewDescription } from './previewMark';

export function attributePreview(mark: PreviewMark | undefined, drafts: AuditEventDraft[]): AuditEventDraft[] {
  if (mark === undefined) return drafts;
  const preview = previewDescription(mark);
  return drafts.map((draft) => ({
    ...draft, actor: mark.actor.sub, role: mark.actor.role, partnerId: null, detail: { ...draft.detail, preview },
  }));
}
