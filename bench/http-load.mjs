// autocannon in a process of its own, for bench/http.bench.ts: `node bench/http-load.mjs
// '{"url": …, "connections": N, "duration": S, "pathTemplate"?: "/…{ip}…"}'` prints autocannon's
// result as JSON. With a path template, each request's `{ip}` is a random address of
// 10.0.0.0/16, so every request asks an analysis the cache has not seen. Only the server on
// `url` (127.0.0.1) is connected to: the addresses are query text, never dialled.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { url, connections, duration, pathTemplate } = JSON.parse(process.argv[2]);
const randomIp = () => `10.0.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
const result = await autocannon({
  url,
  connections,
  duration,
  ...(pathTemplate
    ? {
        requests: [
          {
            setupRequest: (request) => ({ ...request, path: pathTemplate.replace('{ip}', randomIp()) }),
          },
        ],
      }
    : {}),
});
process.stdout.write(JSON.stringify(result));
