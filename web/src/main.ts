import type { Report } from '../../src/core/report.js';
import { ApiProblem, callApi, saveToken, savedToken } from './api.js';
import { laneChecks, pathDiagram, pathStatus, type HopSelection } from './diagram.js';
import { h, pageLink, replaceChildren } from './dom.js';
import { HOPS, STATUS_TEXT, type Status } from './hops.js';

/**
 * The page: the endpoints of the data (`/`), and one endpoint's path for a client
 * (`/endpoints/vpce-…?clientIp=…&port=…`). The state is in the URL, so a runbook or a ticket
 * links straight to an answer; the page reads the same /v1 API as every other caller.
 */

interface EndpointSummary {
  readonly id: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly serviceName: string;
  readonly serviceOwner: string;
  readonly vpcId: string;
  readonly state: string;
  readonly networkInterfaces: readonly { readonly networkInterfaceId: string; readonly availabilityZone?: string }[];
}

interface ClientSuggestion {
  readonly networkInterfaceId: string;
  readonly ipAddresses: readonly string[];
  readonly instanceId?: string;
  readonly description: string;
}

type AnalysisResponse = Report & { readonly cache?: { readonly status: string; readonly stale: boolean; readonly ageSeconds: number } };

interface ProbeReport {
  readonly endpointId: string;
  readonly ports: readonly number[];
  readonly overall: string;
  readonly results: readonly {
    readonly networkInterfaceId: string;
    readonly address: string;
    readonly port: number;
    readonly availabilityZone?: string;
    readonly outcome: string;
    readonly latencyMs: number;
    readonly probedAt: string;
  }[];
  readonly reconciliation: { readonly staticVerdict?: string; readonly clientIp?: string; readonly note?: string };
}

const ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;
const LAST_VERDICTS = 'vpce-doctor.last-verdicts';
const CLIENT_KINDS = [
  { param: 'clientIp', label: 'IP address' },
  { param: 'clientEniId', label: 'Network interface id' },
  { param: 'clientInstanceId', label: 'Instance id' },
] as const;
type ClientParam = (typeof CLIENT_KINDS)[number]['param'];

const main = document.getElementById('main')!;

function navigate(path: string): void {
  history.pushState(null, '', path);
  void route();
}

function problemMessage(error: unknown): HTMLElement {
  if (error instanceof ApiProblem) {
    return h(
      'div',
      { class: 'problem', role: 'alert' },
      h('strong', {}, error.title),
      error.detail ? h('p', {}, error.detail) : null,
      error.invalidParams.length > 0 ? h('ul', {}, ...error.invalidParams.map((item) => h('li', {}, `${item.name}: ${item.reason}`))) : null,
      error.status === 401 ? h('p', {}, 'Enter an API token above (it is kept for this browser tab only).') : null,
    );
  }
  return h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Something went wrong'), h('p', {}, String((error as Error)?.message ?? error)));
}

/** The last verdict the page saw per endpoint, and for which client (this browser's memory). */
function lastVerdicts(): Record<string, { verdict: string; client: string; at: string }> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(LAST_VERDICTS) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, { verdict: string; client: string; at: string }>) : {};
  } catch {
    return {};
  }
}

function rememberVerdict(endpointId: string, verdict: string, client: string): void {
  const all = lastVerdicts();
  all[endpointId] = { verdict, client, at: new Date().toISOString() };
  localStorage.setItem(LAST_VERDICTS, JSON.stringify(all));
}

function tokenForm(): HTMLElement {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', size: 24 });
  input.value = savedToken();
  const form = h(
    'form',
    { class: 'token', 'aria-label': 'API token' },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit' }, 'Use token'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    saveToken(input.value.trim());
    void route();
  });
  return form;
}

async function endpointsView(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const filters = [
    { key: 'account', label: 'Account', pick: (endpoint: EndpointSummary) => endpoint.accountId ?? '' },
    { key: 'region', label: 'Region', pick: (endpoint: EndpointSummary) => endpoint.region ?? '' },
    { key: 'vpc', label: 'VPC', pick: (endpoint: EndpointSummary) => endpoint.vpcId },
    { key: 'service', label: 'Service name contains', pick: (endpoint: EndpointSummary) => endpoint.serviceName },
  ] as const;
  const inputs = filters.map((filter) => {
    const input = h('input', { id: `filter-${filter.key}`, type: 'search', autocomplete: 'off' });
    input.value = params.get(filter.key) ?? '';
    return input;
  });
  const count = h('p', { id: 'endpoint-count', role: 'status' });
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'endpoints' },
    h('caption', {}, 'Interface endpoints of the data'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Endpoint', 'Service', 'Account', 'Region', 'VPC', 'Interfaces', 'Last verdict (this browser)'].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    body,
  );
  replaceChildren(
    main,
    h('h1', {}, 'Endpoints'),
    h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter endpoints' },
      ...filters.map((filter, index) => h('div', { class: 'field' }, h('label', { for: inputs[index]!.id }, filter.label), inputs[index]!)),
    ),
    count,
    table,
  );
  let endpoints: EndpointSummary[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page: { items: EndpointSummary[]; nextToken?: string } = await callApi(
        `/v1/endpoints?limit=500${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`,
      );
      endpoints = endpoints.concat(page.items);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    table.replaceWith(problemMessage(error));
    return;
  }
  const render = () => {
    const wanted = inputs.map((input) => input.value.trim().toLowerCase());
    const query = new URLSearchParams();
    filters.forEach((filter, index) => {
      if (wanted[index]) query.set(filter.key, inputs[index]!.value.trim());
    });
    history.replaceState(null, '', `/${query.size > 0 ? `?${query}` : ''}`);
    const shown = endpoints.filter((endpoint) =>
      filters.every((filter, index) => !wanted[index] || filter.pick(endpoint).toLowerCase().includes(wanted[index]!)),
    );
    const verdicts = lastVerdicts();
    replaceChildren(
      body,
      ...shown.map((endpoint) => {
        const last = verdicts[endpoint.id];
        const unit = endpoint.accountId && endpoint.region ? `?accountId=${endpoint.accountId}&region=${endpoint.region}` : '';
        return h(
          'tr',
          { 'data-endpoint': endpoint.id },
          h(
            'th',
            { scope: 'row' },
            ENDPOINT_ID.test(endpoint.id)
              ? pageLink(`/endpoints/${endpoint.id}${/^\?accountId=\d{12}&region=[a-z0-9-]+$/.test(unit) ? unit : ''}`, endpoint.id, navigate)
              : endpoint.id,
          ),
          h('td', { class: 'wrap' }, endpoint.serviceName),
          h('td', {}, endpoint.accountId ?? ''),
          h('td', {}, endpoint.region ?? ''),
          h('td', {}, endpoint.vpcId),
          h('td', {}, endpoint.networkInterfaces.length),
          h('td', {}, last ? h('span', { class: `verdict verdict-${last.verdict}` }, `${last.verdict} for ${last.client}`) : '—'),
        );
      }),
    );
    count.textContent = `${shown.length} of ${endpoints.length} endpoints`;
  };
  for (const input of inputs) input.addEventListener('input', render);
  render();
}

function hopDetails(selection: HopSelection, report: Report): HTMLElement {
  if (selection.checkId === 'interface') {
    const path = selection.path;
    const status = STATUS_TEXT[pathStatus(path)];
    return h(
      'div',
      {},
      h('h3', {}, `Endpoint interface ${path.networkInterfaceId}: ${status.word}`),
      h('p', {}, `${path.ipAddress ?? ''} in ${path.subnetId ?? ''} ${path.availabilityZone ?? ''}, port ${path.port}`),
      path.failedChecks.length > 0 ? h('p', {}, `Failing: ${path.failedChecks.join(', ')}`) : null,
      path.unknownChecks.length > 0 ? h('p', {}, `Unknown: ${path.unknownChecks.join(', ')}`) : null,
      path.warnedChecks.length > 0 ? h('p', {}, `Warnings: ${path.warnedChecks.join(', ')}`) : null,
    );
  }
  const hop = HOPS[selection.checkId as keyof typeof HOPS];
  return h(
    'div',
    {},
    h('h3', {}, `${hop?.title ?? selection.checkId} on ${selection.path.networkInterfaceId}`),
    ...selection.checks.map((check) =>
      h(
        'section',
        { class: `check status-${check.status === 'not_applicable' ? 'na' : check.status}`, 'data-check': check.id },
        h(
          'p',
          { class: 'check-status' },
          `${STATUS_TEXT[check.status as Status].glyph} ${STATUS_TEXT[check.status as Status].word}: `,
          h('span', {}, check.summary),
        ),
        check.evidence.length > 0 ? h('h4', {}, 'Evidence (the deciding rules)') : null,
        check.evidence.length > 0 ? h('ul', { class: 'evidence' }, ...check.evidence.map((item) => h('li', {}, item.text))) : null,
        check.remediation ? h('h4', {}, 'Fix') : null,
        check.remediation ? h('p', { class: 'fix-summary' }, check.remediation.summary) : null,
        check.remediation
          ? h('pre', { class: 'fix-commands' }, check.remediation.actions.map((action) => ('cli' in action ? action.cli : action.text)).join('\n'))
          : null,
      ),
    ),
    report.checks.length === 0 ? h('p', {}, 'No checks.') : null,
  );
}

function copyButton(text: string, label: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'copy' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed: select the text';
    }
    setTimeout(() => (button.textContent = label), 2000);
  });
  return button;
}

function reportView(report: AnalysisResponse, clientText: string): HTMLElement {
  const details = h(
    'div',
    { id: 'hop-details', class: 'hop-details', 'aria-live': 'polite' },
    h('p', {}, 'Open a hop (click it, or Tab to it and press Enter) to see its evidence and its fix.'),
  );
  const diagram = pathDiagram(report, (selection) => {
    replaceChildren(details, hopDetails(selection, report));
    details.focus();
  });
  details.setAttribute('tabindex', '-1');
  const endpointState = report.checks.find((check) => check.id === 'endpoint.state');
  const plan = report.fixPlan;
  return h(
    'div',
    { id: 'report' },
    h(
      'div',
      { class: `verdict-banner verdict-${report.verdict}`, role: 'status', 'data-verdict': report.verdict },
      h('strong', {}, `Verdict: ${report.verdict}`),
      ` for ${clientText} on port${report.ports.length === 1 ? '' : 's'} ${report.ports.join(', ')}. `,
      h('span', {}, report.verdictSummary),
    ),
    endpointState && endpointState.status !== 'pass'
      ? h('p', { class: `check status-${endpointState.status}` }, `Endpoint state: ${endpointState.summary}`)
      : null,
    h('h2', {}, 'The path, per endpoint interface'),
    diagram,
    details,
    h('h2', {}, 'Fix plan'),
    plan.changes.length === 0
      ? h('p', {}, report.verdict === 'reachable' ? 'Nothing to change.' : 'No change the data can prove; see the checks above.')
      : h(
          'div',
          { class: 'fix-plan' },
          h('p', {}, `${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} (scope: ${plan.scope}).`),
          h('pre', { id: 'fix-plan-commands' }, plan.commands.join('\n')),
          copyButton(plan.script, 'Copy the script'),
        ),
    report.dataWarnings.length > 0 ? h('h2', {}, 'Data warnings') : null,
    report.dataWarnings.length > 0
      ? h('ul', {}, ...report.dataWarnings.map((warning) => h('li', {}, typeof warning === 'string' ? warning : JSON.stringify(warning))))
      : null,
    report.cache ? h('p', { class: 'cache' }, `Data ${report.cache.ageSeconds} s old${report.cache.stale ? ' (stale)' : ''}.`) : null,
  );
}

function probeView(endpointId: string, port: number | undefined): HTMLElement {
  const output = h('div', { id: 'probe-result', 'aria-live': 'polite' });
  const show = (probe: ProbeReport) =>
    replaceChildren(
      output,
      h(
        'p',
        {},
        h('strong', {}, `Live: ${probe.overall}`),
        probe.reconciliation.staticVerdict
          ? ` (static verdict for ${probe.reconciliation.clientIp ?? 'this service'}: ${probe.reconciliation.staticVerdict})`
          : '',
        probe.reconciliation.note ? ` ${probe.reconciliation.note}` : '',
      ),
      h(
        'ul',
        {},
        ...probe.results.map((result) =>
          h(
            'li',
            { 'data-eni': result.networkInterfaceId },
            `${result.networkInterfaceId} ${result.address}:${result.port} ${result.availabilityZone ?? ''}: ${result.outcome} (${result.latencyMs.toFixed(1)} ms, ${result.probedAt})`,
          ),
        ),
      ),
    );
  const button = h('button', { type: 'button', id: 'probe-now' }, 'Probe now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    replaceChildren(output, h('p', {}, 'Probing…'));
    try {
      show(await callApi<ProbeReport>(`/v1/endpoints/${endpointId}/probes`, { method: 'POST', body: port !== undefined ? { port } : {} }));
    } catch (error) {
      replaceChildren(output, problemMessage(error));
    } finally {
      button.disabled = false;
    }
  });
  callApi<ProbeReport>(`/v1/endpoints/${endpointId}/probes`).then(show, () => replaceChildren(output, h('p', {}, 'Not probed yet.')));
  return h(
    'section',
    { class: 'probe', 'aria-labelledby': 'probe-heading' },
    h('h2', { id: 'probe-heading' }, 'Live probe from this service'),
    h('p', {}, 'A TCP connect from the service to each endpoint interface, beside the static verdict.'),
    button,
    output,
  );
}

async function endpointView(endpointId: string): Promise<void> {
  const params = new URLSearchParams(location.search);
  const unit = { accountId: params.get('accountId') ?? '', region: params.get('region') ?? '' };
  const unitQuery = new URLSearchParams();
  if (unit.accountId) unitQuery.set('accountId', unit.accountId);
  if (unit.region) unitQuery.set('region', unit.region);
  const summary = h('p', { id: 'endpoint-summary' });
  const kind = h('select', { id: 'client-kind' }, ...CLIENT_KINDS.map((item) => h('option', { value: item.param }, item.label)));
  const value = h('input', { id: 'client-value', list: 'client-suggestions', autocomplete: 'off', required: true, size: 28 });
  const suggestions = h('datalist', { id: 'client-suggestions' });
  const port = h('input', { id: 'port', type: 'number', min: 1, max: 65535, inputmode: 'numeric', placeholder: "the service's ports" });
  const ephemeral = h('input', { id: 'ephemeral', autocomplete: 'off', placeholder: 'default 1024-65535, or linux', size: 22 });
  const chosen = CLIENT_KINDS.find((item) => params.has(item.param));
  if (chosen) {
    kind.value = chosen.param;
    value.value = params.get(chosen.param) ?? '';
  }
  port.value = params.get('port') ?? '';
  ephemeral.value = params.get('clientEphemeralPorts') ?? '';
  const result = h('div', { id: 'result' });
  const form = h(
    'form',
    { class: 'analysis-form', 'aria-label': 'Analyse a client' },
    h('div', { class: 'field' }, h('label', { for: 'client-kind' }, 'Client by'), kind),
    h('div', { class: 'field' }, h('label', { for: 'client-value' }, 'Client'), value, suggestions),
    h('div', { class: 'field' }, h('label', { for: 'port' }, 'Port'), port),
    h('div', { class: 'field' }, h('label', { for: 'ephemeral' }, 'Client ephemeral ports'), ephemeral),
    h('button', { type: 'submit', id: 'analyze' }, 'Analyze'),
  );
  replaceChildren(main, h('p', {}, pageLink('/', '← All endpoints', navigate)), h('h1', {}, `Endpoint ${endpointId}`), summary, form, result);
  let clients: ClientSuggestion[] = [];
  const fillSuggestions = () => {
    const param = kind.value as ClientParam;
    const values = clients.flatMap((client) =>
      param === 'clientIp' ? client.ipAddresses : param === 'clientEniId' ? [client.networkInterfaceId] : client.instanceId ? [client.instanceId] : [],
    );
    replaceChildren(suggestions, ...[...new Set(values)].map((text) => h('option', { value: text })));
  };
  kind.addEventListener('change', fillSuggestions);
  const run = async () => {
    const param = kind.value as ClientParam;
    const query = new URLSearchParams(unitQuery);
    query.set(param, value.value.trim());
    if (port.value.trim()) query.set('port', port.value.trim());
    if (ephemeral.value.trim()) query.set('clientEphemeralPorts', ephemeral.value.trim());
    replaceChildren(result, h('p', { role: 'status' }, 'Analysing…'));
    try {
      const report = await callApi<AnalysisResponse>(`/v1/endpoints/${endpointId}/analysis?${query}`);
      const clientText = value.value.trim();
      rememberVerdict(endpointId, report.verdict, clientText);
      replaceChildren(result, reportView(report, clientText), probeView(endpointId, port.value.trim() ? Number(port.value) : undefined));
    } catch (error) {
      replaceChildren(result, problemMessage(error));
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams(unitQuery);
    query.set(kind.value, value.value.trim());
    if (port.value.trim()) query.set('port', port.value.trim());
    if (ephemeral.value.trim()) query.set('clientEphemeralPorts', ephemeral.value.trim());
    history.pushState(null, '', `/endpoints/${endpointId}?${query}`);
    void run();
  });
  const suffix = unitQuery.size > 0 ? `?${unitQuery}` : '';
  try {
    const endpoint = await callApi<EndpointSummary>(`/v1/endpoints/${endpointId}${suffix}`);
    summary.textContent = `${endpoint.serviceName} (${endpoint.serviceOwner === 'aws' ? 'AWS service' : 'endpoint service'}), ${endpoint.vpcId}, ${endpoint.state}${endpoint.accountId ? `, account ${endpoint.accountId}` : ''}${endpoint.region ? ` in ${endpoint.region}` : ''}, ${endpoint.networkInterfaces.length} interface${endpoint.networkInterfaces.length === 1 ? '' : 's'}`;
    clients = (await callApi<{ items: ClientSuggestion[] }>(`/v1/endpoints/${endpointId}/clients${suffix}`)).items;
    fillSuggestions();
  } catch (error) {
    replaceChildren(result, problemMessage(error));
    return;
  }
  if (chosen && value.value) await run();
}

async function route(): Promise<void> {
  main.removeAttribute('data-ready');
  const match = /^\/endpoints\/([^/]+)$/.exec(location.pathname);
  if (location.pathname === '/') await endpointsView();
  else if (match && ENDPOINT_ID.test(decodeURIComponent(match[1]!))) await endpointView(decodeURIComponent(match[1]!));
  else replaceChildren(main, h('h1', {}, 'Not found'), h('p', {}, 'This page does not exist. '), pageLink('/', 'All endpoints', navigate));
  main.setAttribute('data-ready', 'true');
}

document.getElementById('token-slot')!.replaceWith(tokenForm());
window.addEventListener('popstate', () => void route());
void route();

// For tests and for the curious: which lanes a check lands in.
export { laneChecks };
