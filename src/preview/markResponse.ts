/**
 * Marks every response to a preview request with `extensions.preview` (the previewed caller), whatever
 * produced it — execution, the gate, or a refusal raised before the GraphQL request starts (a purpose
 * the previewed caller may not state, a partner without an active agreement) — so an officer can never
 * mistake a previewed answer for its own. Runs as the /graphql route's onSend hook; only previews pay.
 */
import type { onSendHookHandler } from 'fastify';
import type { PreviewMark } from './previewMark';
import { previewDescription } from './previewMark';

export function markPreviewPayload(mark: PreviewMark, payload: unknown): unknown {
  if (typeof payload !== 'string') return payload;
  try {
    const body: unknown = JSON.parse(payload);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return payload;
    const record = body as { extensions?: Record<string, unknown> };
    record.extensions = { ...record.extensions, preview: previewDescription(mark) };
    return JSON.stringify(record);
  } catch {
    return payload;
  }
}

/** onSend hook for the route: marks the requests found in `marks`. */
export function previewOnSend(marks: WeakMap<object, PreviewMark>): onSendHookHandler {
  return async (request, _reply, payload) => {
    const mark = marks.get(request);
    return mark === undefined ? payload : markPreviewPayload(mark, payload);
  };
}
