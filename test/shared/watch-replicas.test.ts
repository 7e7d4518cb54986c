import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server as NetServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEALTHY } from '../support/app.js';
import { LOOPBACK_INTERFACES, loopbackSnapshot } from '../support/loopback-snapshot.js';
import { runInFreshNetworkNamespace } from '../support/netns.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { get, startReplicas, stopServer, type Server } from '../support/server-process.js';

/**
 * Three service processes sharing a real Redis, each with the same watch list: the watched
 * endpoint (the healthy example with its interfaces on 127.0.0.2-4) is probed by exactly one
 * replica per interval, and by another within one interval when that one is killed. Probes
 * dial only those loopback addresses, where this test listens and counts the connections.
 */

const INTERVAL_SECONDS = 5;
const INTERVAL_MS = INTERVAL_SECONDS * 1000;
const SERVICE_PORT = 443;
const TIMEOUT_MS = 150_000;
const rootCanListenOn443 = process.getuid?.() === 0;

if (!runInFreshNetworkNamespace(import.meta.url, TIMEOUT_MS)) {
  describe(
    'three replicas share one watch list',
    { timeout: TIMEOUT_MS, skip: rootCanListenOn443 ? false : 'the probe fixture listens on port 443 (root)' },
    () => {
      let redis: TestRedis;
      let snapshot: { dir: string; remove: () => Promise<void> };
      const listeners: NetServer[] = [];
      /** When each connection arrived (ms, monotonic). */
      const connections: number[] = [];
      const replicas: { server: Server; port: number }[] = [];

      before(async () => {
        redis = await startTestRedis();
        snapshot = await loopbackSnapshot();
        for (const address of Object.values(LOOPBACK_INTERFACES)) {
          const listener = createServer((socket) => {
            connections.push(performance.now());
            socket.destroy();
          });
          listener.listen(SERVICE_PORT, address);
          await once(listener, 'listening');
          listeners.push(listener);
        }
        replicas.push(
          ...(await startReplicas(
            3,
            { url: redis.url, prefix: `watch-${process.pid}:` },
            {
              VPCE_DOCTOR_SNAPSHOT_DIR: snapshot.dir,
              VPCE_DOCTOR_PROBES: 'on',
              VPCE_DOCTOR_WATCH_ENDPOINTS: HEALTHY.endpointId,
              VPCE_DOCTOR_WATCH_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
              VPCE_DOCTOR_PROBE_SELF_IP: HEALTHY.clientIp,
            },
          )),
        );
      });
      after(async () => {
        for (const { server } of replicas) stopServer(server);
        for (const listener of listeners) listener.close();
        await redis.stop();
        await snapshot.remove();
      });

      /** The probe rounds seen by the listeners: connections closer than a second apart are one round (one per interface). */
      function rounds(): { at: number; connections: number }[] {
        const found: { at: number; connections: number }[] = [];
        for (const at of connections) {
          const last = found.at(-1);
          if (last && at - last.at < 1000) found[found.length - 1] = { at: last.at, connections: last.connections + 1 };
          else found.push({ at, connections: 1 });
        }
        return found;
      }

      const probesCounted = async (port: number) => {
        const text = (await get(port, '/metrics')).body;
        let total = 0;
        for (const match of text.matchAll(/^vpce_doctor_probes_total\{[^}]*\} (\d+)$/gm)) total += Number(match[1]);
        return { total, successSeries: (text.match(/^vpce_doctor_probe_success\{/gm) ?? []).length };
      };

      it('is probed by exactly one replica per interval, taken over within one interval when it dies, and every replica serves the latest probe', async () => {
        // Three rounds or more (the first within the jitter window after start).
        for (let waited = 0; rounds().length < 3 && waited < 4 * INTERVAL_MS; waited += 100) await sleep(100);
        const seen = rounds();
        assert.ok(seen.length >= 3, `rounds: ${seen.length}`);
        for (const round of seen) assert.equal(round.connections, 3, 'one connection per endpoint interface per round');
        for (let index = 1; index < seen.length; index++) {
          const gap = seen[index]!.at - seen[index - 1]!.at;
          assert.ok(gap >= INTERVAL_MS * 0.95 && gap <= INTERVAL_MS * 1.2 + 1000, `rounds ${gap.toFixed(0)} ms apart: one per interval`);
        }
        // Only the replica that probed exports the probe series; together they count each probe once.
        const counted = await Promise.all(replicas.map(({ port }) => probesCounted(port)));
        const probing = counted.filter((count) => count.total > 0);
        assert.equal(probing.length, 1, JSON.stringify(counted));
        assert.deepEqual(counted.map((count) => count.successSeries).sort(), [0, 0, 3]);
        assert.equal(probing[0]!.total, connections.length, 'each connection is one probe, counted once');
        const latest = await Promise.all(replicas.map(({ port }) => get(port, `/v1/endpoints/${HEALTHY.endpointId}/probes`)));
        for (const answer of latest) assert.equal(answer.status, 200);
        assert.equal(new Set(latest.map((answer) => answer.body)).size, 1, 'the same latest probe from every replica');
        assert.equal(JSON.parse(latest[0]!.body).overall, 'all-open');

        // The holder dies: another replica probes within one interval.
        const holder = replicas[counted.indexOf(probing[0]!)]!;
        const before = rounds().length;
        holder.server.child.kill('SIGKILL');
        const killedAt = performance.now();
        for (let waited = 0; rounds().length < before + 2 && waited < 4 * INTERVAL_MS; waited += 100) await sleep(100);
        const after = rounds();
        assert.ok(after.length >= before + 2, `rounds after the kill: ${after.length - before}`);
        const takeover = after[before]!.at - killedAt;
        assert.ok(takeover <= INTERVAL_MS + 1500, `the first probe after the kill came ${takeover.toFixed(0)} ms later`);
        assert.ok(after[before + 1]!.at - after[before]!.at >= INTERVAL_MS * 0.95, 'then one per interval again');
        const survivors = replicas.filter((replica) => replica !== holder);
        const counts = await Promise.all(survivors.map(({ port }) => probesCounted(port)));
        assert.equal(counts.filter((count) => count.total > 0).length, 1, JSON.stringify(counts));
        const answers = await Promise.all(survivors.map(({ port }) => get(port, `/v1/endpoints/${HEALTHY.endpointId}/probes`)));
        assert.equal(new Set(answers.map((answer) => answer.body)).size, 1);
      });
    },
  );
}
