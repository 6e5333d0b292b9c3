/** The `gateway.gate` span: one per gated operation, naming the coordinate and the outcome (allowed, or the refusal's code). */
import { inSpanSync } from './spans';

export function tracedGate<T>(coordinate: string, check: () => T): T {
  return inSpanSync('gateway.gate', { 'gateway.coordinate': coordinate }, (span) => {
    const outcome = check();
    const code = (outcome as { extensions?: { code?: unknown } } | null)?.extensions?.code;
    span.setAttribute('gateway.gate.outcome', outcome === true ? 'allow' : typeof code === 'string' ? code : 'deny');
    return outcome;
  });
}
