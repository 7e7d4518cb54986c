// Random point analyses per second of one built tree (its dist/), to set two trees side by
// side when one run of bench:targets moves too much on a shared machine:
//   node bench/analyses-rate.mjs TREE SNAPSHOT_DIR CLIENT_IP[,CLIENT_IP…] [ROUNDS]
// The bench's protocol: 5,000 seeded pairs, port 443, 200 of warm-up, fix plans made and
// proven; prints the best round (wall and CPU).
import { performance } from 'node:perf_hooks';
import { seededPairs } from './seeded-pairs.mjs';

const [tree, dir, clientList, rounds = '3'] = process.argv.slice(2);
const { analyze } = await import(`${tree}/dist/core/analyze.js`);
const { readSnapshot } = await import(`${tree}/dist/sources/snapshot/read.js`);
const model = await readSnapshot(dir);
const pairs = seededPairs([...model.endpoints.keys()], clientList.split(','));
for (const pair of pairs.slice(0, 200)) analyze(model, pair);
let bestWall = 0;
let bestCpu = 0;
for (let round = 0; round < Number(rounds); round++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (const pair of pairs) analyze(model, pair);
  const cpu = process.cpuUsage(cpuStarted);
  bestWall = Math.max(bestWall, pairs.length / ((performance.now() - started) / 1000));
  bestCpu = Math.max(bestCpu, pairs.length / ((cpu.user + cpu.system) / 1e6));
}
console.log(`${tree}: best ${Math.round(bestWall)} analyses/s (wall), ${Math.round(bestCpu)}/s (CPU)`);
