// Preloaded (`node --import ./bench/max-rss-on-exit.mjs …`) into a process the benchmark
// times: at exit it writes that process's peak RSS to stderr, for the benchmark to read.
import { writeSync } from 'node:fs';

process.on('exit', () => writeSync(2, `\nVPCE_DOCTOR_BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`));
