// Two built trees side by side in one process: rounds of the bench's 5,000 random point
// analyses (fix plans made and proven), the trees taking turns to go first, CPU time per
// round and tree. On a shared machine, where separate processes move ±40% from minute to
// minute, the fastest round of each tree and the median of the rounds' ratios read a change
// of a few percent; run it both ways round (A B, then B A) and read both:
//   node bench/analyses-ab.mjs TREE_A TREE_B SNAPSHOT_DIR CLIENT_IP[,CLIENT_IP…] [ROUNDS]
// Each tree is a checkout with its dist/ built (`npx tsc -p tsconfig.build.json`).
import { seededPairs } from './seeded-pairs.mjs';

const [treeA, treeB, dir, clientList, rounds = '16'] = process.argv.slice(2);
if (!clientList) {
  console.error('usage: node bench/analyses-ab.mjs TREE_A TREE_B SNAPSHOT_DIR CLIENT_IP[,CLIENT_IP…] [ROUNDS]');
  process.exit(2);
}

async function load(tree) {
  const { analyze } = await import(`${tree}/dist/core/analyze.js`);
  const { readSnapshot } = await import(`${tree}/dist/sources/snapshot/read.js`);
  return { analyze, model: await readSnapshot(dir) };
}

const trees = [await load(treeA), await load(treeB)];
const pairs = seededPairs([...trees[0].model.endpoints.keys()], clientList.split(','));
// Two rounds of warm-up each: the memos filled, the code optimised.
for (const tree of trees) for (let round = 0; round < 2; round++) for (const pair of pairs) tree.analyze(tree.model, pair);

const milliseconds = [[], []];
for (let round = 0; round < Number(rounds); round++) {
  // Which tree goes first alternates, so that neither always follows the other's garbage.
  for (const index of round % 2 === 0 ? [0, 1] : [1, 0]) {
    const { analyze, model } = trees[index];
    const before = process.cpuUsage();
    for (const pair of pairs) analyze(model, pair);
    const used = process.cpuUsage(before);
    milliseconds[index].push((used.user + used.system) / 1000);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fastest = (values) => Math.min(...values);
const ratios = milliseconds[0].map((a, round) => a / milliseconds[1][round]);
const perSecond = (ms) => Math.round(pairs.length / (ms / 1000));
console.log(
  `A ${treeA}: fastest round ${perSecond(fastest(milliseconds[0]))}/s CPU, median ${perSecond(median(milliseconds[0]))}/s; ` +
    `B ${treeB}: fastest ${perSecond(fastest(milliseconds[1]))}/s, median ${perSecond(median(milliseconds[1]))}/s; ` +
    `B/A speed: fastest rounds ${(fastest(milliseconds[0]) / fastest(milliseconds[1])).toFixed(3)}, median of the rounds' ratios ${median(ratios).toFixed(3)}`,
);
