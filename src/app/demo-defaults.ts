// The demo's defaults the CLI shows in its help, apart from demo.ts so that showing them
// loads none of the node's code (decision #165).

/** JP, KR and US listen on this + 1, + 2, + 3. */
export const DEFAULT_PORT_BASE = 8400;
