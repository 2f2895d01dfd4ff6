// Type and field descriptions of the built-in models, and which fields are required.
// client-node's generated `.d.ts` files keep upstream's Go doc comments (the same text
// kube-openapi puts in `description`): the class comment describes the type, each member
// comment describes the field, and a member declared without `?` is one upstream lists in
// `required`. attributeTypeMap carries neither, so we read the declaration files — lazily,
// one file per model on first use, then from a cache (a full OpenAPI render touches ~600).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface FieldDoc {
  description?: string;
  required: boolean;
}

export interface ModelDoc {
  description?: string;
  /** Keyed by wire (JSON) field name. */
  fields: Map<string, FieldDoc>;
  /** Wire names of required fields, in declaration order. */
  required: string[];
}

let modelsDir: string | undefined;
const cache = new Map<string, ModelDoc | null>();

function dir(): string {
  if (!modelsDir) {
    const main = createRequire(import.meta.url).resolve('@kubernetes/client-node');
    modelsDir = join(dirname(main), 'gen', 'models');
  }
  return modelsDir;
}

// openapi-generator escapes quotes and comment terminators when it writes doc comments.
function unescapeDoc(s: string): string {
  return s.replace(/\\(["'\\])/g, '$1').replace(/\*_\//g, '*/');
}

function commentText(lines: string[]): string | undefined {
  const text = lines
    .map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/\s*$/, ''))
    .filter((l, i, all) => !(l === '' && (i === 0 || i === all.length - 1)))
    .join('\n')
    .trim();
  return text ? unescapeDoc(text) : undefined;
}

/** Parses one generated declaration file (exported for tests). */
export function parseModelDeclaration(source: string, className: string): ModelDoc | undefined {
  const lines = source.split('\n');
  const classLine = lines.findIndex((l) => l.startsWith(`export declare class ${className} `) || l === `export declare class ${className} {`);
  if (classLine < 0) return undefined;
  const doc: ModelDoc = { fields: new Map(), required: [] };
  // The class comment is the block that ends on the line just above the declaration.
  if (/\*\/\s*$/.test(lines[classLine - 1] ?? '')) {
    let start = classLine - 1;
    while (start > 0 && !/^\s*\/\*\*/.test(lines[start])) start--;
    doc.description = commentText(lines.slice(start, classLine));
  }
  let pending: string[] | undefined;
  let inComment = false;
  for (let i = classLine + 1; i < lines.length; i++) {
    const line = lines[i];
    if (inComment) {
      pending!.push(line);
      if (/\*\/\s*$/.test(line)) inComment = false;
      continue;
    }
    if (/^\s*\/\*\*/.test(line)) {
      pending = [line];
      inComment = !/\*\/\s*$/.test(line) || /^\s*\/\*\*\s*$/.test(line);
      continue;
    }
    const m = /^\s{4}'([^']+)'(\?)?:/.exec(line);
    if (m) {
      const field: FieldDoc = { required: m[2] !== '?' };
      if (pending) field.description = commentText(pending);
      doc.fields.set(m[1], field);
      if (field.required) doc.required.push(m[1]);
      pending = undefined;
      continue;
    }
    if (/^\s{4}static /.test(line) || /^}/.test(line)) break;
    // Continuation lines of a multi-line member type (`{ [key: string]: string; }`).
  }
  return doc;
}

/** Descriptions and required fields of a client-node model (e.g. `V1PodSpec`), or undefined. */
export function modelDoc(model: string): ModelDoc | undefined {
  let doc = cache.get(model);
  if (doc === undefined) {
    // Model names are identifiers; anything else must not become a file path.
    if (!/^[A-Za-z0-9]+$/.test(model)) return undefined;
    let source: string | undefined;
    try {
      source = readFileSync(join(dir(), `${model}.d.ts`), 'utf8');
    } catch {
      // No declaration file: a model client-node does not ship; callers fall back to no docs.
      source = undefined;
    }
    doc = (source && parseModelDeclaration(source, model)) || null;
    cache.set(model, doc);
  }
  return doc ?? undefined;
}

/** The type description (class comment) of a model. */
export function modelDescription(model: string): string | undefined {
  return modelDoc(model)?.description;
}

/** The description of one field, by wire name. */
export function fieldDescription(model: string, wireField: string): string | undefined {
  return modelDoc(model)?.fields.get(wireField)?.description;
}

/** Wire names of the fields upstream marks required (declared without `?` in client-node). */
export function requiredFields(model: string): string[] {
  return modelDoc(model)?.required ?? [];
}
