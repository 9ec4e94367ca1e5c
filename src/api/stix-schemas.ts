// STIX 2.1 bundles (OASIS): an item's export, and what an import takes. The schema says
// only a bundle's outline; what each object must be is checked, with the place in the
// bundle named, by src/interop (docs/stix.md).
import { Type as T } from '@sinclair/typebox';
import { Code, named } from './schemas.js';

const objectSchema = () =>
  T.Object(
    {
      type: T.String({ maxLength: 250, description: 'the STIX type: report, identity, …' }),
      id: T.String({ maxLength: 300, description: '`type--UUID`' }),
    },
    {
      additionalProperties: true,
      description: "a STIX 2.1 object: its other properties are its type's",
    },
  );

const bundleFields = {
  type: T.String({ description: '"bundle"' }),
  id: T.String({ maxLength: 300, description: '`bundle--UUID`' }),
  objects: T.Array(objectSchema(), { minItems: 1, maxItems: 1000 }),
};

/** What `POST /v1/items/import` takes (inline, like every request body). */
export const StixBundleBody = T.Object(bundleFields, {
  additionalProperties: true,
  description:
    'A STIX 2.1 bundle holding one report (or note), its marking, identities and extension definitions (docs/stix.md)',
});

export const StixBundle = named(
  T.Object(bundleFields, {
    $id: 'StixBundle',
    additionalProperties: true,
    description:
      'A STIX 2.1 bundle: the item as a report, its marking as a marking-definition with the liaison-marking extension, the parties as identities (docs/stix.md)',
  }),
);

export const ImportQuery = T.Object({
  marking: T.Optional(
    T.Union([Code], {
      description:
        "the marking the item takes here, a code of this node's party: needed when the bundle has no Liaison marking; may raise, never lower, the bundle's",
    }),
  ),
});
