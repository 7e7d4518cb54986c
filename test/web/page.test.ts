/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HOPS } from '../../web/src/hops.js';
import { CHECK_IDS } from '../../src/core/report.js';
import { netConnector, type Connector } from '../../src/probe/tcp.js';
import { buildTestApp, EXAMPLES, type TestApp } from '../support/app.js';
import { LOOPBACK_INTERFACES, loopbackSnapshot } from '../support/loopback-snapshot.js';
import { runInFreshNetworkNamespace } from '../support/netns.js';

/**
 * The web page in a real browser (Debian's chromium, driven by playwright-core), against
 * the service on the bundled examples, in a fresh network namespace: only loopback exists,
 * and the browser is told to resolve nothing else. Screenshots go to test-output/web/.
 */

const TIMEOUT_MS = 180_000;
const CHROMIUM = process.env['VPCE_DOCTOR_CHROMIUM'] ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../test-output/web/', import.meta.url));
const SG_MISSING = {
  dir: join(EXAMPLES, 'endpoint-sg-missing-port'),
  endpointId: 'vpce-04d16890aa090a0c4',
  clientIp: '10.0.1.25',
  rule: 'sg-0d3885bab18906d3d inbound: tcp 80 from 10.0.0.0/16',
};
interface TempDir {
  readonly dir: string;
  remove(): Promise<void>;
}

async function copyExample(name: string): Promise<TempDir> {
  const root = await mkdtemp(join(tmpdir(), 'vpce-doctor-page-'));
  const dir = join(root, name);
  await cp(join(EXAMPLES, name), dir, { recursive: true });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

const PAYLOAD = `<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2">javascript:window.__xss=3`;

if (!runInFreshNetworkNamespace(import.meta.url, TIMEOUT_MS)) {
  describe('the web page in a real browser', { timeout: TIMEOUT_MS }, () => {
    let browser: Browser;
    const apps: TestApp[] = [];
    const temps: TempDir[] = [];

    before(async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-dev-shm-usage',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-default-apps',
          '--disable-sync',
          '--no-first-run',
          // Nothing but loopback resolves, whatever a page or the browser itself asks for.
          '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        ],
      });
    });
    after(async () => {
      await browser?.close();
      for (const { app } of apps) await app.close();
      for (const temp of temps) await temp.remove();
    });

    async function serve(options: Parameters<typeof buildTestApp>[0]): Promise<string> {
      const built = await buildTestApp(options);
      apps.push(built);
      await built.app.listen({ host: '127.0.0.1', port: 0 });
      const address = built.app.server.address();
      assert.ok(address && typeof address === 'object');
      return `http://127.0.0.1:${address.port}`;
    }

    /** A page that records what must never happen: a dialog, a script of the data running, a request off this origin. */
    async function openPage(base: string): Promise<{ page: Page; incidents: string[] }> {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const incidents: string[] = [];
      page.on('dialog', (dialog) => {
        incidents.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on('request', (request) => {
        if (!request.url().startsWith(base)) incidents.push(`request off the origin: ${request.url()}`);
      });
      page.on('pageerror', (error) => incidents.push(`page error: ${error.message}`));
      return { page, incidents };
    }

    const ready = (page: Page) => page.waitForSelector('main[data-ready="true"]');

    async function hopStatuses(page: Page): Promise<string[]> {
      return page.$$eval('g.hop', (hops) =>
        hops.map((hop) => `${hop.closest('figure')?.getAttribute('data-eni')}|${hop.getAttribute('data-hop')}|${hop.getAttribute('data-status')}`),
      );
    }

    /** Presses Tab until the element matching the selector has the focus. */
    async function tabTo(page: Page, selector: string): Promise<void> {
      for (let presses = 0; presses < 80; presses++) {
        if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`Tab never reached ${selector}`);
    }

    it('places every check of the analysis on the diagram', () => {
      assert.deepEqual(Object.keys(HOPS).sort(), [...CHECK_IDS].sort());
    });

    it('serves the page with a Content-Security-Policy that allows no inline script, and its assets as immutable', async () => {
      const base = await serve({ snapshotDir: SG_MISSING.dir });
      const page = await fetch(`${base}/endpoints/${SG_MISSING.endpointId}?clientIp=${SG_MISSING.clientIp}`);
      assert.equal(page.status, 200);
      const policy = page.headers.get('content-security-policy') ?? '';
      assert.match(policy, /script-src 'self'(;|$)/);
      assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
      const html = await page.text();
      const script = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, html);
      const asset = await fetch(`${base}${script}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    });

    it('finds the failing hop of endpoint-sg-missing-port with its rule and fix, by keyboard alone, and its permalink shows the same', async () => {
      const base = await serve({ snapshotDir: SG_MISSING.dir });
      const { page, incidents } = await openPage(base);
      await page.goto(`${base}/`);
      await ready(page);
      // From the list to the endpoint, by keyboard.
      await tabTo(page, `a[href^="/endpoints/${SG_MISSING.endpointId}"]`);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === `/endpoints/${SG_MISSING.endpointId}`);
      await ready(page);
      await page.waitForSelector('#client-suggestions option', { state: 'attached' });
      await tabTo(page, '#client-value');
      await page.keyboard.type(SG_MISSING.clientIp);
      await tabTo(page, '#port');
      await page.keyboard.type('443');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#report');
      const query = new URL(page.url()).searchParams;
      assert.deepEqual(
        [query.get('clientIp'), query.get('port'), query.get('accountId'), query.get('region')],
        [SG_MISSING.clientIp, '443', '111122223333', 'us-east-1'],
      );
      assert.equal(await page.getAttribute('.verdict-banner', 'data-verdict'), 'blocked');

      const statuses = await hopStatuses(page);
      const lanes = await page.$$eval('figure.lane', (figures) => figures.map((figure) => figure.getAttribute('data-eni')));
      assert.equal(lanes.length, 3, 'one lane per endpoint interface');
      for (const eni of lanes) {
        assert.ok(statuses.includes(`${eni}|Endpoint SG in|fail`), statuses.join('\n'));
        assert.ok(statuses.includes(`${eni}|Client SG out|pass`));
        assert.ok(statuses.includes(`${eni}|Endpoint NACL out|pass`), 'the return lane');
      }
      assert.ok(!statuses.some((status) => status.includes('|NLB SG in|')), 'an AWS service: its provider side is one hop');
      // Told apart without colour: the word is in the hop and in its accessible name.
      const label = await page.getAttribute('g.hop[data-status="fail"]', 'aria-label');
      assert.match(label ?? '', /Endpoint security groups, inbound: fail/);

      await tabTo(page, 'g.hop[data-status="fail"]');
      await page.keyboard.press('Enter');
      const details = await page.textContent('#hop-details');
      assert.ok(details?.includes(SG_MISSING.rule), details ?? '');
      assert.match(details ?? '', /allow inbound tcp 443 from 10\.0\.1\.25\/32 in sg-0d3885bab18906d3d/);
      assert.match(details ?? '', /aws ec2 authorize-security-group-ingress --group-id sg-0d3885bab18906d3d/);
      assert.match((await page.textContent('#fix-plan-commands')) ?? '', /authorize-security-group-ingress/);
      assert.ok(await page.$('button.copy'), 'the fix plan has a copy button');
      await page.screenshot({ path: join(SCREENSHOTS, 'endpoint-sg-missing-port.png'), fullPage: true });

      // The permalink, opened anew, reproduces the view.
      const { page: linked, incidents: linkedIncidents } = await openPage(base);
      await linked.goto(page.url());
      await ready(linked);
      await linked.waitForSelector('#report');
      assert.deepEqual(await hopStatuses(linked), statuses);
      assert.equal(await linked.inputValue('#client-value'), SG_MISSING.clientIp);

      // Back on the list, the endpoint shows its last verdict, and the filters narrow it.
      await page.goto(`${base}/`);
      await ready(page);
      assert.match((await page.textContent(`tr[data-endpoint="${SG_MISSING.endpointId}"]`)) ?? '', /blocked for 10\.0\.1\.25/);
      await page.fill('#filter-service', 'secretsmanager');
      assert.equal(await page.textContent('#endpoint-count'), '1 of 1 endpoints');
      await page.fill('#filter-service', 'no-such-service');
      assert.equal(await page.textContent('#endpoint-count'), '0 of 1 endpoints');
      assert.match(page.url(), /\?service=no-such-service$/, 'the filters are in the URL too');
      assert.deepEqual([...incidents, ...linkedIncidents], []);
    });

    it("draws the provider's NLB path per lane: the unhealthy target of one AZ fails only its lane", async () => {
      const base = await serve({ snapshotDir: join(EXAMPLES, 'provider-az-unhealthy-cross-zone-off') });
      const { page, incidents } = await openPage(base);
      await page.goto(`${base}/endpoints/vpce-0ceb24a6088efc760?clientInstanceId=i-0862f03190fbae3bc&port=443`);
      await ready(page);
      await page.waitForSelector('#report');
      assert.equal(await page.getAttribute('.verdict-banner', 'data-verdict'), 'partial');
      const statuses = await hopStatuses(page);
      assert.ok(statuses.includes('eni-0804ed25604587e69|Target health|pass'), statuses.join('\n'));
      assert.ok(statuses.includes('eni-0803e635b07d2597e|Target health|fail'));
      assert.ok(statuses.includes('eni-0803e635b07d2597e|NLB SG in|not_applicable'));
      assert.ok(statuses.includes('eni-0803e635b07d2597e|Target NACL out|pass'));
      await page.screenshot({ path: join(SCREENSHOTS, 'provider-az-unhealthy.png'), fullPage: true });
      assert.deepEqual(incidents, []);
    });

    it('shows problems as readable messages', async () => {
      const base = await serve({ snapshotDir: SG_MISSING.dir });
      const { page, incidents } = await openPage(base);
      await page.goto(`${base}/endpoints/vpce-0123456789abcdef0?clientIp=10.0.1.25`);
      await ready(page);
      const problem = await page.textContent('.problem');
      assert.match(problem ?? '', /vpce-0123456789abcdef0/);
      await page.goto(`${base}/endpoints/${SG_MISSING.endpointId}?clientIp=10.0.1.999`);
      await ready(page);
      assert.match((await page.textContent('.problem')) ?? '', /10\.0\.1\.999/);
      assert.deepEqual(incidents, []);
    });

    it('renders AWS data as text: names, descriptions and tags holding markup or javascript: run nothing', async () => {
      const temp = await copyExample('endpoint-sg-missing-port');
      temps.push(temp);
      for (const file of ['ec2/DescribeSecurityGroups.json', 'ec2/DescribeNetworkInterfaces.json', 'ec2/DescribeVpcEndpoints.json']) {
        const path = join(temp.dir, file);
        const text = await readFile(path, 'utf8');
        const spoiled = text
          .replaceAll('"HTTP from the VPC"', JSON.stringify(PAYLOAD))
          .replaceAll('"Description": ""', `"Description": ${JSON.stringify(PAYLOAD)}`)
          .replaceAll('"Tags": []', `"Tags": [{"Key": "Name", "Value": ${JSON.stringify(PAYLOAD)}}]`);
        await writeFile(path, spoiled);
      }
      const base = await serve({ snapshotDir: temp.dir });
      const { page, incidents } = await openPage(base);
      await page.goto(`${base}/endpoints/${SG_MISSING.endpointId}?clientIp=${SG_MISSING.clientIp}&port=443`);
      await ready(page);
      await page.waitForSelector('#report');
      await page.click('g.hop[data-status="fail"]');
      const details = (await page.textContent('#hop-details')) ?? '';
      assert.ok(details.includes(PAYLOAD), `the description is shown as it is: ${details}`);
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
      assert.equal(await page.$$eval('img', (images) => images.length), 0);
      assert.equal(await page.$$eval('main script', (scripts) => scripts.length), 0);
      assert.equal(await page.$$eval('a[href^="javascript:" i]', (links) => links.length), 0);
      await page.screenshot({ path: join(SCREENSHOTS, 'untrusted-data.png'), fullPage: true });
      assert.deepEqual(incidents, []);
    });

    it('works with auth on: asks for the token, keeps it for the tab, and sends it', async () => {
      const token = 'page-test-token-0123456789abcdef';
      const base = await serve({ snapshotDir: SG_MISSING.dir, config: { apiTokens: [token] } });
      const { page, incidents } = await openPage(base);
      await page.goto(`${base}/`);
      await ready(page);
      assert.match((await page.textContent('.problem')) ?? '', /Enter an API token/);
      await page.fill('#token', token);
      await page.press('#token', 'Enter');
      await page.waitForSelector(`tr[data-endpoint="${SG_MISSING.endpointId}"]`);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('vpce-doctor.token')), token);
      assert.equal(await page.evaluate(() => localStorage.getItem('vpce-doctor.token')), null, 'never kept beyond the tab');
      assert.deepEqual(incidents, []);
    });

    it(
      'probes now, beside the static verdict, on a fixture whose interfaces are loopback addresses',
      { skip: process.getuid?.() === 0 ? false : 'listens on port 443 (root)' },
      async () => {
        const fixture = await loopbackSnapshot();
        temps.push({ dir: fixture.dir, remove: fixture.remove });
        const listeners: NetServer[] = [];
        for (const address of Object.values(LOOPBACK_INTERFACES)) {
          const listener = createServer((socket) => socket.destroy());
          listener.listen(443, address);
          await once(listener, 'listening');
          listeners.push(listener);
        }
        const dialled: string[] = [];
        const loopbackOnly: Connector = (address, port) => {
          if (!address.startsWith('127.')) throw new Error(`refusing to dial ${address}`);
          dialled.push(`${address}:${port}`);
          return netConnector(address, port);
        };
        try {
          const base = await serve({ snapshotDir: fixture.dir, connector: loopbackOnly, probe: { selfIp: () => '10.0.1.25' } });
          const { page, incidents } = await openPage(base);
          await page.goto(`${base}/endpoints/vpce-068e9dcc184a273ab?clientIp=10.0.1.25`);
          await ready(page);
          await page.waitForSelector('#report');
          await page.click('#probe-now');
          await page.waitForSelector('#probe-result >> text=Live: all-open');
          assert.match((await page.textContent('#probe-result')) ?? '', /static verdict for 10\.0\.1\.25: reachable/);
          assert.deepEqual(dialled.sort(), ['127.0.0.2:443', '127.0.0.3:443', '127.0.0.4:443']);
          await page.screenshot({ path: join(SCREENSHOTS, 'probe.png'), fullPage: true });
          assert.deepEqual(incidents, []);
        } finally {
          for (const listener of listeners) listener.close();
        }
      },
    );
  });
}
