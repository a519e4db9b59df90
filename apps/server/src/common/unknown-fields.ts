/** Removes what a schema does not declare from a value, in place. */
export type Pruner = (value: unknown) => void;

const keepAll: Pruner = () => undefined;

interface SchemaShape {
  type?: unknown;
  properties?: Record<string, SchemaShape>;
  additionalProperties?: unknown;
  items?: unknown;
}

/**
 * Builds the pruner of a schema: every object the schema declares with `properties` loses the fields it does not
 * name, down through declared properties and array items, in one linear walk of the value. Unknown fields are
 * ignored as the contract says; stripping them here, before validation, rather than with Ajv's `removeAdditional`,
 * keeps conditional rules (`if`/`then`/`else`, whose sub-schemas name only the fields they test) from stripping the
 * fields they do not name. An object that declares `additionalProperties: true` keeps its other fields: they are
 * input for the code behind the route (a job's options), which checks them itself; one that declares
 * `additionalProperties: false` keeps them too, for validation to refuse (a retention rule's misspelt field).
 */
export function pruner(schema: unknown): Pruner {
  const shape = (schema ?? {}) as SchemaShape;
  if (shape.type === 'object' && shape.properties) {
    const known = new Set(Object.keys(shape.properties));
    const keepOthers = shape.additionalProperties === true || shape.additionalProperties === false;
    const children = Object.entries(shape.properties)
      .map(([key, child]) => [key, pruner(child)] as const)
      .filter(([, prune]) => prune !== keepAll);
    if (keepOthers && children.length === 0) return keepAll;
    return (value) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      const record = value as Record<string, unknown>;
      if (!keepOthers) for (const key of Object.keys(record)) if (!known.has(key)) delete record[key];
      for (const [key, prune] of children) prune(record[key]);
    };
  }
  if (shape.type === 'array' && shape.items && !Array.isArray(shape.items)) {
    const item = pruner(shape.items);
    if (item === keepAll) return keepAll;
    return (value) => {
      if (Array.isArray(value)) for (const entry of value) item(entry);
    };
  }
  return keepAll;
}
