// Two built trees side by side in one process: the bench's random point analyses (fix plans
// made and proven) in batches of 250 that alternate between the trees, each tree's CPU time
// summed over the rounds. On a shared machine, where separate processes move ±40% from
// minute to minute, this reads a change of a few percent:
//   node bench/analyses-ab.mjs TREE_A TREE_B SNAPSHOT_DIR CLIENT_IP[,CLIENT_IP…] [ROUNDS]
// Each tree is a checkout with its dist/ built (`npx tsc -p tsconfig.build.json`). Prints
// each tree's analyses per CPU second and B's speed against A's.
import { seededPairs } from './seeded-pairs.mjs';

const [treeA, treeB, dir, clientList, rounds = '40'] = process.argv.slice(2);
if (!clientList) {
  console.error('usage: node bench/analyses-ab.mjs TREE_A TREE_B SNAPSHOT_DIR CLIENT_IP[,CLIENT_IP…] [ROUNDS]');
  process.exit(2);
}

async function load(tree) {
  const { analyze } = await import(`${tree}/dist/core/analyze.js`);
  const { readSnapshot } = await import(`${tree}/dist/sources/snapshot/read.js`);
  return { analyze, model: await readSnapshot(dir) };
}

const trees = { A: await load(treeA), B: await load(treeB) };
const pairs = seededPairs([...trees.A.model.endpoints.keys()], clientList.split(','));
for (const pair of pairs.slice(0, 300)) for (const tree of Object.values(trees)) tree.analyze(tree.model, pair);

const cpuMicroseconds = { A: 0, B: 0 };
let analysed = 0;
for (let round = 0; round < Number(rounds); round++) {
  const start = (round * 250) % pairs.length;
  const batch = pairs.slice(start, start + 250);
  // Which tree goes first alternates, so that neither always follows the other's garbage.
  for (const name of round % 2 === 0 ? ['B', 'A'] : ['A', 'B']) {
    const tree = trees[name];
    const before = process.cpuUsage();
    for (const pair of batch) tree.analyze(tree.model, pair);
    const used = process.cpuUsage(before);
    cpuMicroseconds[name] += used.user + used.system;
  }
  analysed += batch.length;
}
const rate = (name) => Math.round(analysed / (cpuMicroseconds[name] / 1e6));
console.log(`A ${treeA}: ${rate('A')}/s CPU; B ${treeB}: ${rate('B')}/s CPU; B/A speed ${(cpuMicroseconds.A / cpuMicroseconds.B).toFixed(3)}`);
