// The point analyses the side-by-side scripts (analyses-rate.mjs, analyses-ab.mjs) ask: the
// bench's protocol, 5,000 (endpoint, client) pairs from a fixed seed, port 443.
export function seededPairs(endpoints, clients, count = 5000) {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: count }, () => ({
    endpointId: endpoints[Math.floor(random() * endpoints.length)],
    client: { ip: clients[Math.floor(random() * clients.length)] },
    port: 443,
  }));
}
