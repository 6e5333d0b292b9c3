/**
 * The gate tells refusals from failures: a rule that says no is FORBIDDEN; a refusal we raised keeps its
 * code; anything thrown behind the gate, or by the gate's own check, stays an error (answered
 * INTERNAL_SERVER_ERROR by the formatter) and is recorded as an evaluator error.
 */
import { describe, expect, it } from 'vitest';
import type { GraphQLResolveInfo } from 'graphql';
import { buildGatewaySchema } from '../../src/server/buildSchema';
import { buildRuleTree, gateFallbackError } from '../../src/gate/shieldRules';
import { BadUserInputError, ForbiddenError, GatewayError } from '../../src/errors/errors';
import { PrivacyRecorder } from '../../src/enforcement/privacyRecorder';

describe('gateFallbackError', () => {
  it.each([
    ['a rule that said no (nothing thrown)', null, ForbiddenError],
    ['a refusal we raised', new BadUserInputError('first must be between 0 and 500'), BadUserInputError],
  ])('%s → our error', (_name, thrown, type) => {
    expect(gateFallbackError(thrown)).toBeInstanceOf(type);
  });

  it.each([
    ['a store failure', Object.assign(new Error('db down'), { name: 'StoreError' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
  ])('%s stays the error it is, never FORBIDDEN', (_name, thrown) => {
    const answer = gateFallbackError(thrown);
    expect(answer).toBe(thrown);
    expect(answer).not.toBeInstanceOf(GatewayError);
  });

  it('a thrown non-error becomes a plain error', () => {
    const answer = gateFallbackError('boom');
    expect(answer).toBeInstanceOf(Error);
    expect(answer).not.toBeInstanceOf(GatewayError);
  });
});

describe('a gate check that throws', () => {
  it('refuses with a plain error (not FORBIDDEN) and records an evaluator error', async () => {
    const { schema } = buildGatewaySchema();
    const rule = buildRuleTree(schema).Query!.customers!;
    const privacy = new PrivacyRecorder(null, null);
    const context = { privacy, purpose: null, get caller(): never { throw new TypeError('broken context'); } };
    const answer = await (rule as unknown as { resolve: (...args: unknown[]) => Promise<unknown> })
      .resolve({}, {}, context, {} as GraphQLResolveInfo, { debug: false, allowExternalErrors: false });
    expect(answer).toBeInstanceOf(TypeError);
    expect(privacy.failures).toEqual([{ kind: 'evaluator-error', coordinate: 'Query.customers' }]);
  });
});
