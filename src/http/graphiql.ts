/**
 * GraphiQL at `GET /graphql` for browsers (Accept: text/html), served entirely from this package's
 * own dependencies under /graphiql/* — graphiql's UMD bundle and stylesheet, React 18's UMD
 * production builds — so it works with no network (docs/api.md#routes). A Content-Security-Policy
 * restricts the page to this origin, so not even a stray asset can leave the machine.
 *
 * The header editor starts with a token placeholder and `X-Purpose`. While the placeholder is still
 * there, the page's fetcher leaves the Authorization header out, so GraphiQL loads the public schema
 * instead of failing; once a real token is pasted, introspection and queries show that caller's own
 * schema (see enforcement/visibleSchema.ts).
 *
 * In development (devTokens.ts decides), the page also carries the role switcher (roleSwitcher.ts),
 * which swaps the headers through `window.privacyGatewayGraphiQL.useHeaders` (GraphiQL is remounted,
 * so the schema is fetched again for the new caller). In production the page keeps asking for a token.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLE_SWITCHER_CSS, ROLE_SWITCHER_SCRIPT } from './roleSwitcher';

export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

export const GRAPHIQL_DEFAULT_HEADERS = {
  Authorization: 'Bearer <paste a token from npm run token>',
  'X-Purpose': 'MARKETING',
};

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "font-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

const INIT_SCRIPT = `(function () {
  var PLACEHOLDER = /<paste/;
  var base = GraphiQL.createFetcher({ url: window.location.pathname });
  function fetcher(params, options) {
    var headers = Object.assign({}, options && options.headers);
    Object.keys(headers).forEach(function (name) {
      if (name.toLowerCase() === 'authorization' && PLACEHOLDER.test(String(headers[name]))) delete headers[name];
    });
    return base(params, Object.assign({}, options, { headers: headers }));
  }
  var SWITCHER_QUERY = '# Development: pick a caller in the bar above and press \\"Use this caller\\",\\n# or paste a token into the Authorization header below. Then run:\\n{\\n  customers(first: 3) {\\n    totalCount\\n    edges { node { id email country } }\\n  }\\n}\\n';
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  var latestQuery;
  var generation = 0;
  function render(headerValues) {
    var headers = JSON.stringify(headerValues, null, 2);
    generation += 1;
    root.render(React.createElement(GraphiQL, {
      key: 'caller-' + generation,
      query: latestQuery,
      onEditQuery: function (query) { latestQuery = query; },
      fetcher: fetcher,
      headers: headers,
      defaultHeaders: headers,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: document.getElementById('role-switcher') ? SWITCHER_QUERY : '# Paste a token into the Authorization header below (npm run -s token -- --role marketer --purposes MARKETING),\\n# then run:\\n{\\n  customers(first: 3) {\\n    totalCount\\n    edges { node { id email country } }\\n  }\\n}\\n'
    }));
  }
  window.privacyGatewayGraphiQL = { useHeaders: render };
  render(${JSON.stringify(GRAPHIQL_DEFAULT_HEADERS)});
})();
`;

const PAGE_CSS = 'html, body, #graphiql { height: 100%; margin: 0; }\n';

const PAGE_WITH = (switcher: boolean) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Privacy Gateway · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}graphiql.min.css">
  <link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}page.css">${switcher ? `
  <link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}role-switcher.css">` : ''}
</head>
<body${switcher ? ' class="with-switcher"' : ''}>${switcher ? `
  <div id="role-switcher"></div>` : ''}
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${GRAPHIQL_ASSET_PREFIX}react.production.min.js"></script>
  <script src="${GRAPHIQL_ASSET_PREFIX}react-dom.production.min.js"></script>
  <script src="${GRAPHIQL_ASSET_PREFIX}graphiql.min.js"></script>
  <script src="${GRAPHIQL_ASSET_PREFIX}init.js"></script>${switcher ? `
  <script src="${GRAPHIQL_ASSET_PREFIX}role-switcher.js"></script>` : ''}
</body>
</html>
`;

interface Asset {
  type: string;
  body: Buffer | string;
}

/** The assets, read once from node_modules (resolved the way Node resolves the packages). */
function loadAssets(roleSwitcher: boolean): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const reactDir = dirname(require.resolve('react/package.json'));
  const reactDomDir = dirname(require.resolve('react-dom/package.json'));
  const js = 'text/javascript; charset=utf-8';
  const assets = new Map<string, Asset>([
    ['graphiql.min.js', { type: js, body: readFileSync(require.resolve('graphiql/graphiql.min.js')) }],
    ['graphiql.min.css', { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('graphiql/graphiql.min.css')) }],
    ['react.production.min.js', { type: js, body: readFileSync(join(reactDir, 'umd', 'react.production.min.js')) }],
    ['react-dom.production.min.js', { type: js, body: readFileSync(join(reactDomDir, 'umd', 'react-dom.production.min.js')) }],
    ['init.js', { type: js, body: INIT_SCRIPT }],
    ['page.css', { type: 'text/css; charset=utf-8', body: PAGE_CSS }],
  ]);
  if (roleSwitcher) {
    assets.set('role-switcher.js', { type: js, body: ROLE_SWITCHER_SCRIPT });
    assets.set('role-switcher.css', { type: 'text/css; charset=utf-8', body: ROLE_SWITCHER_CSS });
  }
  return assets;
}

/** A browser navigating to /graphql (not a GraphQL GET request, which carries `query`). */
export function wantsGraphiQL(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const query = request.query as Record<string, unknown> | undefined;
  if (query !== undefined && query !== null && 'query' in query) return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

const PAGES = { plain: PAGE_WITH(false), switcher: PAGE_WITH(true) };

/** The page; `roleSwitcher` only in development (devTokens.ts `devToolsEnabled`). */
export function graphiqlPage(options: { roleSwitcher?: boolean } = {}): { type: string; body: string; headers: Record<string, string> } {
  return {
    type: 'text/html; charset=utf-8',
    body: options.roleSwitcher === true ? PAGES.switcher : PAGES.plain,
    headers: { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' },
  };
}

/** GET /graphiql/<file> for the fixed set of files above; anything else is 404. */
export function registerGraphiQLAssets(app: FastifyInstance, options: { roleSwitcher?: boolean } = {}): void {
  const assets = loadAssets(options.roleSwitcher === true);
  app.get<{ Params: { file: string } }>(`${GRAPHIQL_ASSET_PREFIX}:file`, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) return reply.callNotFound();
    return reply
      .type(asset.type)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=3600')
      .send(asset.body);
  });
}
