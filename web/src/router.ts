// A hash router: `#/items/jp-…?tab=x`. The node serves one index.html at `/`, so
// every page lives in the fragment and a reload or a bookmark works without any
// server-side fallback.
import { useEffect, useState } from 'react';

export interface Route {
  /** The path, e.g. "/items/jp-1" ("/" when empty). */
  readonly path: string;
  /** Decoded path segments, e.g. ["items", "jp-1"]. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

function parseHash(hash: string): Route {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const path = pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, segments, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** The href of a page: `href('items', id)` → "#/items/<id>". */
export function href(...segments: readonly string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function navigate(to: string): void {
  if (window.location.hash !== to) window.location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
