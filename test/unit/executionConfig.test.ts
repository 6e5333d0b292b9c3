import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('executor settings (docs/execution.md)', () => {
  it('compiles by default, keeps 200 plans per class, compiles a document on its second run', () => {
    expect(loadConfig({}).execution).toEqual({ executor: 'compiled', planCacheSize: 200, compileAfter: 2 });
  });

  it.each([
    [{ GRAPHQL_EXECUTOR: 'graphql-js' }, { executor: 'graphql-js', planCacheSize: 200, compileAfter: 2 }],
    [{ EXECUTION_PLAN_CACHE_SIZE: '5', EXECUTION_COMPILE_AFTER: '1' }, { executor: 'compiled', planCacheSize: 5, compileAfter: 1 }],
  ])('%o → %o', (env, expected) => {
    expect(loadConfig(env).execution).toEqual(expected);
  });

  it.each([
    [{ GRAPHQL_EXECUTOR: 'jit' }, /GRAPHQL_EXECUTOR must be compiled or graphql-js/],
    [{ EXECUTION_PLAN_CACHE_SIZE: '0' }, /EXECUTION_PLAN_CACHE_SIZE must be between 1 and/],
    [{ EXECUTION_COMPILE_AFTER: 'often' }, /EXECUTION_COMPILE_AFTER must be an integer/],
  ])('%o fails start-up: %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
