/**
 * The GraphiQL role switcher (development only, see devTokens.ts): a bar above GraphiQL with a role,
 * purpose, partner and scope picker. "Use this caller" mints a development token at /dev/token and
 * remounts GraphiQL with that token and purpose in its headers, so the schema (docs pane) and every
 * result are that caller's. Served as a static script (the page's CSP allows no inline script); the
 * roles and their purposes come from the role table, not from a copy.
 */
import { PURPOSE_REGISTRY } from '../policy/purposes';
import { ROLE_TABLE, ROLES } from '../policy/roles';
import { DEV_TOKEN_ROUTE, DEV_TOKEN_TTL_SECONDS } from './devTokens';

const OPTIONS = {
  route: DEV_TOKEN_ROUTE,
  ttlMinutes: DEV_TOKEN_TTL_SECONDS / 60,
  roles: ROLES.map((role) => ({ name: role, purposes: [...ROLE_TABLE[role].purposes] })),
  consent: Object.fromEntries(Object.values(PURPOSE_REGISTRY).map((purpose) => [purpose.name, purpose.consent])),
  partner: 'demo-partner',
  scopes: ['segments:read', 'customers:read'],
};

export const ROLE_SWITCHER_SCRIPT = `(function () {
  var OPTIONS = ${JSON.stringify(OPTIONS)};
  var bar = document.getElementById('role-switcher');
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) { node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  var role = el('select', { id: 'pg-role', 'aria-label': 'Role' }, OPTIONS.roles.map(function (r) { return el('option', { value: r.name }, [r.name]); }));
  var purpose = el('select', { id: 'pg-purpose', 'aria-label': 'Purpose' });
  var partner = el('input', { id: 'pg-partner', 'aria-label': 'Partner id', value: OPTIONS.partner, size: '14' });
  var scopes = OPTIONS.scopes.map(function (scope) {
    var box = el('input', { type: 'checkbox', value: scope, 'class': 'pg-scope' });
    if (scope === 'segments:read') box.checked = true;
    return el('label', { 'class': 'pg-partner-only' }, [box, ' ' + scope]);
  });
  var sub = el('input', { id: 'pg-sub', 'aria-label': 'Customer id', placeholder: 'first customer', size: '16' });
  var use = el('button', { id: 'pg-use', type: 'button' }, ['Use this caller']);
  var status = el('span', { id: 'pg-status', role: 'status' }, ['Development only: pick a caller to explore its view.']);
  bar.appendChild(el('strong', {}, ['Explore as']));
  bar.appendChild(el('label', {}, ['Role ', role]));
  bar.appendChild(el('label', { 'class': 'pg-purpose' }, ['Purpose ', purpose]));
  bar.appendChild(el('label', { 'class': 'pg-partner-only' }, ['Partner ', partner]));
  scopes.forEach(function (scope) { bar.appendChild(scope); });
  bar.appendChild(el('label', { 'class': 'pg-customer-only' }, ['Customer id ', sub]));
  bar.appendChild(use);
  bar.appendChild(status);

  function refresh() {
    var chosen = OPTIONS.roles.filter(function (r) { return r.name === role.value; })[0];
    purpose.innerHTML = '';
    chosen.purposes.forEach(function (p) { purpose.appendChild(el('option', { value: p }, [p + ' (' + OPTIONS.consent[p] + ')'])); });
    bar.setAttribute('data-role', chosen.name);
  }
  role.addEventListener('change', refresh);
  refresh();

  use.addEventListener('click', function () {
    var body = { role: role.value, purposes: role.value === 'customer' ? [] : [purpose.value] };
    if (role.value === 'partner') {
      body.partner = partner.value;
      body.scopes = Array.prototype.filter.call(bar.querySelectorAll('.pg-scope'), function (box) { return box.checked; }).map(function (box) { return box.value; });
    }
    if (role.value === 'customer' && sub.value) body.sub = sub.value;
    status.textContent = 'Minting a development token…';
    fetch(OPTIONS.route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (response) { return response.json().then(function (json) { return { ok: response.ok, json: json }; }); })
      .then(function (result) {
        if (!result.ok) { status.textContent = 'Refused: ' + result.json.error; return; }
        var headers = { Authorization: 'Bearer ' + result.json.token };
        if (body.purposes.length > 0) headers['X-Purpose'] = body.purposes[0];
        window.privacyGatewayGraphiQL.useHeaders(headers);
        status.textContent = 'Now exploring as ' + body.role + (body.purposes.length ? ' for ' + body.purposes[0] : '')
          + ' (token valid ' + OPTIONS.ttlMinutes + ' min)';
        bar.setAttribute('data-active', body.role + '/' + (body.purposes[0] || ''));
      })
      .catch(function () { status.textContent = 'Could not reach ' + OPTIONS.route; });
  });
})();
`;

export const ROLE_SWITCHER_CSS = `body.with-switcher { display: flex; flex-direction: column; }
body.with-switcher #graphiql { flex: 1; min-height: 0; height: auto; }
#role-switcher { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; padding: 8px 14px;
  font: 14px system-ui, sans-serif; background: #fff7e0; border-bottom: 1px solid #e6c66a; color: #333; }
#role-switcher select, #role-switcher input, #role-switcher button { font: inherit; }
#role-switcher button { padding: 2px 10px; cursor: pointer; }
#role-switcher #pg-status { color: #6b5200; }
#role-switcher .pg-partner-only, #role-switcher .pg-customer-only { display: none; }
#role-switcher[data-role="partner"] .pg-partner-only, #role-switcher[data-role="customer"] .pg-customer-only { display: inline; }
#role-switcher[data-role="customer"] .pg-purpose { display: none; }
`;
