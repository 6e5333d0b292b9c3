/** The commands a new user runs: the token CLI and `npm start`'s refusal of weak production secrets. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { secretKey, TOKEN_AUDIENCE } from '../../src/auth/tokens';

const run = promisify(execFile);
const TSX = ['node_modules/.bin/tsx'];

async function runTsx(script: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(TSX[0]!, [script, ...args], { env: { ...process.env, NODE_ENV: 'development', ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run token', () => {
  it('prints one JWT the gateway accepts, with the requested claims', async () => {
    const result = await runTsx('src/auth/tokenCli.ts', ['--role', 'partner', '--purposes', 'ANALYTICS', '--scope', 'segments:read', '--partner', 'demo-partner', '--sub', 'p-1', '--ttl', '15m']);
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(token.split('\n')).toHaveLength(1);
    const { payload } = await jwtVerify(token, secretKey(loadConfig({}).jwtSecret), { audience: TOKEN_AUDIENCE, algorithms: ['HS256'] });
    expect(payload).toMatchObject({ sub: 'p-1', role: 'partner', purposes: ['ANALYTICS'], scope: 'segments:read', partner_id: 'demo-partner' });
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
  });

  it('defaults to a one-hour token', async () => {
    const result = await runTsx('src/auth/tokenCli.ts', ['--role', 'marketer', '--purposes', 'MARKETING']);
    const payload = decodeJwt(result.stdout.trim());
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it.each([
    [['--role', 'admin'], /--role must be one of/],
    [['--role', 'marketer', '--purposes', 'SPYING'], /unknown purpose SPYING/],
    [['--role', 'partner', '--purposes', 'ANALYTICS'], /partner tokens need --partner/],
    [['--role', 'marketer', '--ttl', 'forever'], /--ttl must look like/],
  ])('%j → exit 2 with a clear message', async (args, message) => {
    const result = await runTsx('src/auth/tokenCli.ts', args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('npm start in production', () => {
  it.each([
    [{}, /JWT_SECRET is required in production/],
    [{ JWT_SECRET: 'short', PSEUDONYM_KEY: 'p'.repeat(40) }, /JWT_SECRET must be at least 32 bytes/],
    [{ JWT_SECRET: 'j'.repeat(40) }, /PSEUDONYM_KEY is required in production/],
  ])('refuses to start with %j', async (env, message) => {
    const result = await runTsx('src/index.ts', [], { NODE_ENV: 'production', PORT: '0', DATA_DIR: '/nonexistent/never-created', ...env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
