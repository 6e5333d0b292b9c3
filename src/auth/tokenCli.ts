/**
 * Dev CLI: `npm run token -- --role marketer --purposes MARKETING [--sub ID] [--scope "..."] [--partner ID] [--ttl 1h]`
 * prints one JWT signed with JWT_SECRET (or the development secret) on stdout.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { isPurpose, PURPOSES } from '../policy/purposes';
import { isRole, ROLES } from '../policy/roles';
import { mintToken, secretKey } from './tokens';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    purposes: { type: 'string', default: '' },
    sub: { type: 'string' },
    scope: { type: 'string' },
    partner: { type: 'string' },
    ttl: { type: 'string', default: '1h' },
  },
  strict: true,
});

if (!isRole(values.role)) fail(`--role must be one of ${ROLES.join(', ')}`);
const purposes = values.purposes.split(/[,\s]+/).filter(Boolean);
for (const purpose of purposes) if (!isPurpose(purpose)) fail(`unknown purpose ${purpose}; known: ${PURPOSES.join(', ')}`);
if (values.role === 'partner' && values.partner === undefined) fail('partner tokens need --partner ID');
if (!/^\d+[smhd]$/.test(values.ttl)) fail('--ttl must look like 30s, 15m, 1h or 7d');

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const token = await mintToken({
  role: values.role,
  purposes: purposes.filter(isPurpose),
  ...(values.sub !== undefined ? { sub: values.sub } : {}),
  ...(values.scope !== undefined ? { scope: values.scope } : {}),
  ...(values.partner !== undefined ? { partnerId: values.partner } : {}),
  ttl: values.ttl,
}, secretKey(config.jwtSecret));
process.stdout.write(`${token}\n`);
