/**
 * Named shapes in the API description: each schema with a `title` (`ChatgateError`,
 * `CommunityConfig`, `ChatCompletion`, …) is written once under `components.schemas` and
 * referenced from each place it was inlined, so that the document stays small (the error bodies
 * alone are on every route) and client generators name the types.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `document` with its titled schemas moved to `components.schemas` (the first one seen of each
 * title) and a `$ref` left where each was, keeping its `description` (a response's meaning, in
 * OpenAPI 3.1 allowed beside `$ref`). A `title` property of an object is a schema's only when it is
 * a string: `properties.title` (a schema itself) is left alone.
 */
export function nameTitledSchemas<T extends { paths?: Json; components?: Json }>(document: T): T {
  const components = isObject(document.components) ? document.components : {};
  const schemas: JsonObject = isObject(components.schemas) ? { ...components.schemas } : {};
  const visit = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isObject(node)) return node;
    const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
    if (typeof copy.title !== 'string' || !('type' in copy || 'anyOf' in copy)) return copy;
    const { description, ...shape } = copy;
    schemas[copy.title] ??= shape;
    const ref = { $ref: `#/components/schemas/${encodeURIComponent(copy.title)}` };
    return description === undefined ? ref : { ...ref, description };
  };
  const paths = visit(document.paths);
  return { ...document, paths, components: { ...components, schemas } };
}
