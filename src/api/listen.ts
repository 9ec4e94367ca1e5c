// "host:port" for a listener's setting (the metrics listener): no dependencies, so that
// reading a node's configuration loads nothing else.

/** Parses "host:port" (or "[v6]:port"); throws a message naming the setting. */
export function parseListen(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (m === null || !(port >= 0 && port <= 65_535)) {
    throw new Error(`${what}: give host:port (for example 127.0.0.1:9464), not '${text}'`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}
