// Full-text search (GET /v1/search): the query string. Results are item summaries
// (item-schemas.ts), as the item list gives them.
import { Type as T } from '@sinclair/typebox';
import { PageQuery } from './common.js';
import { Precedence } from './item-schemas.js';
import { Category, Code, Instant } from './schemas.js';

export const SearchQuery = T.Composite([
  T.Object({
    q: T.String({
      minLength: 1,
      maxLength: 200,
      description:
        'words to find in titles and bodies, all of them (AND); NFKC and case do not matter; Japanese and Korean by character bigrams; a word of 3 characters or more also finds the words it begins',
    }),
    originator: T.Optional(
      T.String({ pattern: '^[A-Z][A-Z0-9]{1,15}$', description: 'the originating party' }),
    ),
    marking: T.Optional(
      T.String({
        minLength: Code.minLength,
        maxLength: Code.maxLength,
        pattern: Code.pattern,
        description: "a marking code: the originator's current marking or the marking held here",
      }),
    ),
    category: T.Optional(Category),
    precedence: T.Optional(Precedence),
    from: T.Optional(
      T.String({
        maxLength: Instant.maxLength,
        description: 'created at or after this instant (RFC 3339 with offset)',
      }),
    ),
    to: T.Optional(
      T.String({
        maxLength: Instant.maxLength,
        description: 'created before this instant (RFC 3339 with offset)',
      }),
    ),
  }),
  PageQuery,
]);
