// kubectl-style JSONPath templates, as k8s.io/client-go/util/jsonpath parses and evaluates them
// (parser.go, jsonpath.go), plus the printer-column cell rendering of apiextensions-apiserver's
// pkg/registry/customresource/tableconvertor.
//
// Upstream quirks kept on purpose, because kubectl users rely on (or trip over) them:
// - `['a.b']` is re-parsed as `.a.b`, i.e. two fields; a literal dot needs `a\.b`.
// - Missing keys yield no result (AllowMissingKeys(true), the default of both kubectl and the
//   CRD table convertor); out-of-range array indexes are errors.
// - Filter comparisons only compare values of the same kind (text/template's eq/lt rules).
import { since } from '../registry/printing.js';

export type JsonPathNode =
  | { kind: 'list'; nodes: JsonPathNode[] }
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'array'; params: [ArrayParam, ArrayParam, ArrayParam] }
  | { kind: 'union'; nodes: JsonPathNode[][] }
  | { kind: 'filter'; left: JsonPathNode[]; right: JsonPathNode[]; operator: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'identifier'; name: string };

export interface ArrayParam {
  value: number;
  known: boolean;
  derived: boolean;
}

/** A parsed template: a sequence of text and `{…}` action nodes. */
export interface JsonPathTemplate {
  nodes: JsonPathNode[];
}

const isSpace = (c: string) => c === ' ' || c === '\t';
const isEndOfLine = (c: string) => c === '\r' || c === '\n';
const isAlphaNumeric = (c: string) => c === '_' || /[\p{L}\p{Nd}]/u.test(c);
const isDigit = (c: string) => /\p{Nd}/u.test(c);
function isTerminator(c: string): boolean {
  if (c === '' || isSpace(c) || isEndOfLine(c)) return true;
  return '.,[]$@{}'.includes(c);
}

const DICT_KEY = /^'([^']*)'$/;
const SLICE_OPERATOR = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const FILTER_EXPR = /^([^!<>=]+)([!<>=]+)(.+?)$/s;

/** Go's strconv.Unquote extended to single quotes (jsonpath UnquoteExtend). */
function unquoteExtend(s: string): string {
  if (s.length < 2 || s[0] !== s[s.length - 1] || (s[0] !== '"' && s[0] !== "'")) throw new Error('invalid syntax');
  const quote = s[0];
  const body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === quote) throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case "'": case '"': out += n; break;
      case 'x': out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; break;
      case 'u': out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16)); i += 4; break;
      case 'U': out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16)); i += 8; break;
      default: throw new Error('invalid syntax');
    }
  }
  return out;
}

/** A recursive-descent port of client-go's jsonpath Parser. */
class Parser {
  private input = '';
  private pos = 0;
  private start = 0;
  root: JsonPathNode & { kind: 'list' } = { kind: 'list', nodes: [] };

  parse(text: string): void {
    this.input = text;
    this.pos = 0;
    this.start = 0;
    this.root = { kind: 'list', nodes: [] };
    this.parseText();
  }

  private rest(): string {
    return this.input.slice(this.pos);
  }
  private next(): string {
    if (this.pos >= this.input.length) return '';
    const c = String.fromCodePoint(this.input.codePointAt(this.pos)!);
    this.pos += c.length;
    return c;
  }
  private backup(c: string): void {
    this.pos -= c.length;
  }
  private peek(): string {
    const c = this.next();
    this.backup(c);
    return c;
  }
  private consumeText(): string {
    const v = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return v;
  }

  private parseText(): void {
    for (;;) {
      if (this.rest().startsWith('{')) {
        if (this.pos > this.start) this.root.nodes.push({ kind: 'text', text: this.consumeText() });
        this.pos += 1;
        this.consumeText();
        const action: JsonPathNode & { kind: 'list' } = { kind: 'list', nodes: [] };
        this.root.nodes.push(action);
        this.parseInsideAction(action);
        return;
      }
      if (this.next() === '') break;
    }
    if (this.pos > this.start) this.root.nodes.push({ kind: 'text', text: this.consumeText() });
  }

  private parseInsideAction(cur: JsonPathNode & { kind: 'list' }): void {
    for (;;) {
      const rest = this.rest();
      if (rest.startsWith('}')) {
        this.pos += 1;
        this.consumeText();
        this.parseText();
        return;
      }
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        const last = cur.nodes[cur.nodes.length - 1];
        if (last && last.kind === 'recursive') throw new Error('invalid multiple recursive descent');
        this.pos += 2;
        this.consumeText();
        cur.nodes.push({ kind: 'recursive' });
        if (isAlphaNumeric(this.peek())) this.parseField(cur);
        continue;
      }
      const c = this.next();
      if (c === '' || isEndOfLine(c)) throw new Error('unclosed action');
      if (c === ' ' || c === '@' || c === '$') {
        this.consumeText();
      } else if (c === '[') {
        this.parseArray(cur);
      } else if (c === '"' || c === "'") {
        this.parseQuote(cur, c);
      } else if (c === '.') {
        this.parseField(cur);
      } else if (c === '+' || c === '-' || isDigit(c)) {
        this.backup(c);
        this.parseNumber(cur);
      } else if (isAlphaNumeric(c)) {
        this.backup(c);
        this.parseIdentifier(cur);
      } else {
        const cp = c.codePointAt(0)!;
        throw new Error(`unrecognized character in action: U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
      }
    }
  }

  private parseIdentifier(cur: JsonPathNode & { kind: 'list' }): void {
    for (;;) {
      const c = this.next();
      if (isTerminator(c)) {
        this.backup(c);
        break;
      }
    }
    const value = this.consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ kind: 'bool', value: value === 'true' });
    else cur.nodes.push({ kind: 'identifier', name: value });
  }

  private parseNumber(cur: JsonPathNode & { kind: 'list' }): void {
    const first = this.peek();
    if (first === '+' || first === '-') this.next();
    for (;;) {
      const c = this.next();
      if (c !== '.' && !isDigit(c)) {
        this.backup(c);
        break;
      }
    }
    const value = this.consumeText();
    if (/^[+-]?\d+$/.test(value)) cur.nodes.push({ kind: 'int', value: parseInt(value, 10) });
    else if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) cur.nodes.push({ kind: 'float', value: parseFloat(value) });
    else throw new Error(`cannot parse number ${value}`);
  }

  private parseArray(cur: JsonPathNode & { kind: 'list' }): void {
    for (;;) {
      const c = this.next();
      if (c === '' || c === '\n') throw new Error('unterminated array');
      if (c === ']') break;
    }
    let text = this.consumeText();
    text = text.slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      cur.nodes.push({ kind: 'union', nodes: parts.map((p) => parseAction(`[${p.trim()}]`)) });
      return;
    }
    const dict = DICT_KEY.exec(text);
    if (dict) {
      cur.nodes.push(...parseAction(`.${dict[1]}`));
      return;
    }
    const slice = SLICE_OPERATOR.exec(text);
    if (!slice) throw new Error(`invalid array index ${text}`);
    const params: [ArrayParam, ArrayParam, ArrayParam] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let v = slice[i + 1] ?? '';
      if (v !== '') {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === '') {
          params[i].known = false;
        } else {
          if (!/^-?\d+$/.test(v)) throw new Error(`array index ${v} is not a number`);
          params[i] = { value: parseInt(v, 10), known: true, derived: false };
        }
      } else if (i === 1) {
        params[i] = { value: params[0].value + 1, known: true, derived: true };
      }
    }
    cur.nodes.push({ kind: 'array', params });
  }

  private parseFilter(cur: JsonPathNode & { kind: 'list' }): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const c = this.next();
      if (c === '' || c === '\n') throw new Error('unterminated filter');
      if (c === '"' || c === "'") {
        if (!begin) {
          begin = true;
          pair = c;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && c === pair) end = true;
      } else if (c === ')') {
        if (begin === end) break;
      }
    }
    if (this.next() !== ']') throw new Error('unclosed array expect ]');
    let text = this.consumeText();
    text = text.slice(0, -2);
    const m = FILTER_EXPR.exec(text);
    if (!m) {
      cur.nodes.push({ kind: 'filter', left: parseAction(text), right: [], operator: 'exists' });
    } else {
      cur.nodes.push({ kind: 'filter', left: parseAction(m[1]), right: parseAction(m[3]), operator: m[2] });
    }
  }

  private parseQuote(cur: JsonPathNode & { kind: 'list' }, quote: string): void {
    for (;;) {
      const c = this.next();
      if (c === '' || c === '\n') throw new Error('unterminated quoted string');
      if (c === quote && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consumeText();
    let s: string;
    try {
      s = unquoteExtend(value);
    } catch (e) {
      throw new Error(`unquote string ${value} error ${(e as Error).message}`);
    }
    cur.nodes.push({ kind: 'text', text: s });
  }

  private parseField(cur: JsonPathNode & { kind: 'list' }): void {
    this.consumeText();
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        this.next();
      } else if (isTerminator(c)) {
        this.backup(c);
        break;
      }
    }
    const value = this.consumeText();
    if (value === '*') cur.nodes.push({ kind: 'wildcard' });
    else cur.nodes.push({ kind: 'field', name: value.replace(/\\/g, '') });
  }
}

/** parseAction: the nodes of `{text}` (used for unions, dict keys and filter operands). */
function parseAction(text: string): JsonPathNode[] {
  const p = new Parser();
  p.parse(`{${text}}`);
  const first = p.root.nodes[0];
  return first && first.kind === 'list' ? first.nodes : [];
}

/**
 * Parses a JSONPath template. A string with `{` is a template (`{.a}{"\n"}`); a bare
 * expression is relaxed as kubectl's RelaxedJSONPathExpression does (`.a.b` and `a.b` both
 * become `{.a.b}`), which is also how the CRD table convertor wraps a column's jsonPath.
 */
export function parseJsonPath(expr: string): JsonPathTemplate {
  const p = new Parser();
  let text = expr;
  if (!expr.includes('{')) text = /^[.[$@]/.test(expr) ? `{${expr}}` : `{.${expr}}`;
  p.parse(text);
  return { nodes: p.root.nodes };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Children of a container, as reflect sees them (map values, slice elements, string bytes). */
function children(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  if (typeof v === 'string') return [...Buffer.from(v)];
  return undefined;
}

type Kind = 'string' | 'number' | 'bool';
function basicKind(v: unknown): Kind | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return undefined;
}

/** text/template's comparison functions (eq, ne, lt, le, gt, ge) as the filter uses them. */
function compare(op: string, left: unknown, right: unknown): boolean {
  const k1 = basicKind(left);
  const k2 = basicKind(right);
  if (op === '==' || op === '!=') {
    if (!k1 || !k2) throw new Error('invalid type for comparison');
    if (k1 !== k2) throw new Error('incompatible types for comparison');
    return op === '==' ? left === right : left !== right;
  }
  if (!k1 || !k2 || k1 === 'bool' || k2 === 'bool') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  const l = left as string | number;
  const r = right as string | number;
  switch (op) {
    case '<': return l < r;
    case '>': return l > r;
    case '<=': return l <= r;
    case '>=': return l >= r;
    default: throw new Error(`unrecognized filter operator ${op}`);
  }
}

function evalNodes(input: unknown[], nodes: JsonPathNode[]): unknown[] {
  let cur = input;
  for (const n of nodes) cur = evalNode(cur, n);
  return cur;
}

function evalNode(input: unknown[], node: JsonPathNode): unknown[] {
  switch (node.kind) {
    case 'list':
      return evalNodes(input, node.nodes);
    case 'text':
      return [node.text];
    case 'int':
    case 'float':
    case 'bool':
      return input.map(() => node.value);
    case 'field': {
      if (node.name === '') return input.filter((v) => v !== null && v !== undefined);
      const out: unknown[] = [];
      for (const v of input) if (isObject(v) && Object.prototype.hasOwnProperty.call(v, node.name)) out.push(v[node.name]);
      return out;
    }
    case 'wildcard': {
      const out: unknown[] = [];
      for (const v of input) out.push(...(children(v) ?? []));
      return out;
    }
    case 'recursive':
      return evalRecursive(input);
    case 'array':
      return evalArray(input, node.params);
    case 'union': {
      const out: unknown[] = [];
      for (const nodes of node.nodes) out.push(...evalNodes(input, nodes));
      return out;
    }
    case 'filter':
      return evalFilter(input, node);
    case 'identifier':
      throw new Error(`unrecognized identifier ${node.name}`);
  }
}

function evalRecursive(input: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of input) {
    if (v === null || v === undefined || typeof v === 'string') continue;
    const kids = children(v);
    if (kids && kids.length) {
      out.push(v);
      out.push(...evalRecursive(kids));
    }
  }
  return out;
}

function evalArray(input: unknown[], template: [ArrayParam, ArrayParam, ArrayParam]): unknown[] {
  const out: unknown[] = [];
  for (const value of input) {
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) throw new Error(`${goTypeName(value)} is not array or slice`);
    const params = template.map((p) => ({ ...p }));
    const len = value.length;
    if (!params[0].known) params[0].value = 0;
    if (params[0].value < 0) params[0].value += len;
    if (!params[1].known) params[1].value = len;
    if (params[1].value < 0 || (params[1].value === 0 && params[1].derived)) params[1].value += len;
    if (params[1].value === params[0].value) continue;
    if (params[0].value >= len || params[0].value < 0) throw new Error(`array index out of bounds: index ${params[0].value}, length ${len}`);
    if (params[1].value > len || params[1].value < 0) throw new Error(`array index out of bounds: index ${params[1].value - 1}, length ${len}`);
    if (params[0].value > params[1].value) throw new Error(`starting index ${params[0].value} is greater than ending index ${params[1].value}`);
    let step = 1;
    if (params[2].known) {
      if (params[2].value <= 0) throw new Error('step must be > 0');
      step = params[2].value;
    }
    for (let i = params[0].value; i < params[1].value; i += step) out.push(value[i]);
  }
  return out;
}

function evalFilter(input: unknown[], node: JsonPathNode & { kind: 'filter' }): unknown[] {
  const out: unknown[] = [];
  for (const value of input) {
    if (!Array.isArray(value)) throw new Error(`${goValueString(value)} is not array or slice and cannot be filtered`);
    for (const item of value) {
      if (node.operator === 'exists') {
        let lefts: unknown[] = [];
        try {
          lefts = evalNodes([item], node.left);
        } catch {
          // upstream ignores evaluation errors for the exists form
        }
        if (lefts.length > 0) out.push(item);
        continue;
      }
      const lefts = evalNodes([item], node.left);
      if (lefts.length === 0) continue;
      if (lefts.length > 1) throw new Error('can only compare one element at a time');
      const rights = evalNodes([item], node.right);
      if (rights.length !== 1) throw new Error('can only compare one element at a time');
      if (compare(node.operator, lefts[0], rights[0])) out.push(item);
    }
  }
  return out;
}

function goTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (isObject(v)) return 'map[string]interface {}';
  return 'interface {}';
}

function goValueString(v: unknown): string {
  if (isObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goText(v[k])}`).join(' ')}]`;
  return goText(v);
}

interface ExecResult {
  groups: unknown[][];
}

/**
 * FindResults: one result group per top-level node; `{range X}…{end}` repeats the nodes in
 * between for every result of X.
 */
function findResults(data: unknown, nodes: JsonPathNode[]): ExecResult {
  const groups: unknown[][] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const inner = node.kind === 'list' ? node.nodes : [];
    const head = inner[0];
    if (head && head.kind === 'identifier' && head.name === 'range') {
      const items = evalNodes([data], inner.slice(1));
      let depth = 1;
      let j = i + 1;
      for (; j < nodes.length; j++) {
        const n = nodes[j];
        const h = n.kind === 'list' ? n.nodes[0] : undefined;
        if (h && h.kind === 'identifier' && h.name === 'range') depth++;
        if (h && h.kind === 'identifier' && h.name === 'end' && --depth === 0) break;
      }
      if (depth !== 0) throw new Error('not in range, nothing to end');
      const body = nodes.slice(i + 1, j);
      for (const item of items) groups.push(...findResults(item, body).groups);
      i = j;
      continue;
    }
    if (head && head.kind === 'identifier' && head.name === 'end') throw new Error('not in range, nothing to end');
    groups.push(evalNode([data], node));
  }
  return { groups };
}

/** All values a JSONPath expression selects, in order (text nodes included for templates). */
export function evalJsonPath(obj: unknown, expr: string): unknown[] {
  return findResults(obj, parseJsonPath(expr).nodes).groups.flat();
}

/** Go's %v for a float64 (strconv 'g', shortest: exponent form below 1e-4 and from 1e+06 on). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const [mant, e] = v.toExponential().split('e');
  const n = parseInt(e, 10);
  if (n < -4 || n >= 6) return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  return String(v);
}

/** fmt.Fprint of a JSON scalar: integers are int64, other numbers float64. */
function goText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : goFloat(v);
  return goJSON(v);
}

/** encoding/json.Marshal: sorted map keys, HTML-safe escaping. */
export function goJSON(v: unknown): string {
  const enc = (x: unknown): string => {
    if (x === null || x === undefined) return 'null';
    if (Array.isArray(x)) return `[${x.map(enc).join(',')}]`;
    if (isObject(x)) return `{${Object.keys(x).sort().map((k) => `${enc(k)}:${enc(x[k])}`).join(',')}}`;
    if (typeof x === 'string') {
      return JSON.stringify(x).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    }
    return JSON.stringify(x);
  };
  return enc(v);
}

/** PrintResults of one value: maps and slices as JSON, everything else as fmt.Fprint prints it. */
function printValue(v: unknown): string {
  if (Array.isArray(v) || isObject(v)) return goJSON(v);
  return goText(v);
}

/** What `kubectl get -o jsonpath=EXPR` prints for one object (results joined by spaces per node). */
export function executeJsonPath(obj: unknown, expr: string): string {
  return findResults(obj, parseJsonPath(expr).nodes)
    .groups.map((g) => g.map(printValue).join(' '))
    .join('');
}

export type PrinterColumnType = 'integer' | 'number' | 'string' | 'boolean' | 'date';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * One additionalPrinterColumns cell, as tableconvertor.ConvertToTable computes it: the first
 * result only; no result (or an evaluation error) leaves the cell null, which kubectl prints as
 * `<none>`; `string` columns print the value (maps and arrays as JSON); other types keep a value
 * only when it has the column's JSON type; `date` renders as an age (`<unknown>` for an empty
 * string, `<invalid>` for a non-RFC3339 one).
 */
export function printerColumnCell(obj: unknown, jsonPath: string, type: PrinterColumnType | string, _format?: string, now: number = Date.now()): unknown {
  let results: unknown[][];
  try {
    results = findResults(obj, parseJsonPath(`{${jsonPath}}`).nodes).groups;
  } catch {
    return null;
  }
  if (results.length === 0 || results[0].length === 0) return null;
  const value = results[0][0];
  // reflect.ValueOf(nil) is no value at all, which text/template prints as "<no value>".
  if (type === 'string') return value === null || value === undefined ? '<no value>' : printValue(value);
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      // metav1.Time.UnmarshalQueryParameter: "" and "null" are the zero time.
      if (value === '' || value === 'null') return '<unknown>';
      if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) return '<invalid>';
      return since(value, now);
    default:
      return null;
  }
}

