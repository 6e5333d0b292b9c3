/**
 * The gateway as a real process (`node --import tsx src/index.ts`, one process, so SIGKILL hits the
 * server itself) on the embedded store, for tests of what survives crashes and disk failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(import.meta.dirname, '..', '..');
export const JWT_SECRET = 'process-test-secret-0123456789abcdef0123456';
const running = new Set<ChildProcess>();

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
}

export interface Exited {
  code: number | null;
  stderr: string;
}

function spawnGateway(env: Record<string, string>, uid?: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    // Always the embedded store: these tests are about its files, never a MongoDB from the environment.
    env: { ...process.env, MONGODB_URI: '', NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', DEMO_CUSTOMERS: '60', JWT_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Starts the gateway and resolves once it listens; rejects with its stderr if it exits first. */
export function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawnGateway(env);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before listening: ${stderr.slice(0, 500)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('privacy gateway listening')) return;
      const address = (JSON.parse(line) as { address?: string }).address;
      if (address) resolve({ child, url: address });
    });
  });
}

/** Runs the gateway expecting it to refuse to start; resolves with its exit code and stderr. */
export function failedStart(env: Record<string, string>, uid?: number): Promise<Exited> {
  const child = spawnGateway(env, uid);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('privacy gateway listening')) {
        child.kill('SIGKILL');
        reject(new Error('the gateway started'));
      }
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

export function killHard(server: GatewayProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) {
      resolve();
      return;
    }
    server.child.once('exit', () => resolve());
    server.child.kill('SIGKILL');
  });
}

export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

export interface GqlResult {
  requestId: string | null;
  data?: Record<string, any> | null;
  errors?: { extensions?: { code?: string } }[];
}

export async function gql(server: GatewayProcess, token: string, query: string, variables: Record<string, unknown> = {}, purpose?: string): Promise<GqlResult> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(purpose ? { 'x-purpose': purpose } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GqlResult, 'requestId'>;
  return { requestId: response.headers.get('x-request-id'), ...body };
}
