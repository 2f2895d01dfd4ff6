// Label and field selectors as k8s.io/apimachinery/pkg/labels (Parse) and pkg/fields
// (ParseSelector) understand them: =, ==, !=, in, notin, exists, !key; fields support
// =, ==, != only. Parse errors become 400 BadRequest like kube-apiserver's.
import { badRequest } from './errors.js';

export type Requirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: '!'; }
  | { key: string; op: 'gt' | 'lt'; values: string[] };

export interface LabelSelector {
  requirements: Requirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  empty: boolean;
}

function matchRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'in':
      return has && r.values.includes(labels[r.key]);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const v = Number.parseInt(labels[r.key], 10);
      const w = Number.parseInt(r.values[0], 10);
      if (Number.isNaN(v) || Number.isNaN(w)) return false;
      return r.op === 'gt' ? v > w : v < w;
    }
  }
}

function makeSelector(requirements: Requirement[]): LabelSelector {
  return {
    requirements,
    empty: requirements.length === 0,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r) => matchRequirement(r, l));
    },
  };
}

const KEY_CHAR = /[A-Za-z0-9_.\-/]/;
const VALUE_CHAR = /[A-Za-z0-9_.\-]/;

/** labels.Parse: "app=web,tier in (a,b),!canary,env". */
export function parseLabelSelector(input: string | undefined | null): LabelSelector {
  const s = (input ?? '').trim();
  if (!s) return makeSelector([]);
  const reqs: Requirement[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw badRequest(`unable to parse requirement: ${msg}`);
  };
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const readIdent = (re: RegExp) => {
    const start = i;
    while (i < s.length && re.test(s[i])) i++;
    return s.slice(start, i);
  };
  while (i <= s.length) {
    skipWs();
    let negate = false;
    if (s[i] === '!') {
      negate = true;
      i++;
      skipWs();
    }
    const key = readIdent(KEY_CHAR);
    if (!key) fail(`found '${s[i] ?? ''}', expected: identifier`);
    validateLabelKey(key);
    skipWs();
    if (negate) {
      reqs.push({ key, op: '!' });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'exists' });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const op = s.startsWith('!=', i) ? '!=' : s.startsWith('==', i) ? '==' : '=';
      i += op.length;
      skipWs();
      const value = readIdent(VALUE_CHAR);
      validateLabelValue(value);
      reqs.push(op === '!=' ? { key, op: 'notin', values: [value] } : { key, op: 'in', values: [value] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op = s[i] === '>' ? 'gt' : 'lt';
      i++;
      skipWs();
      const value = readIdent(VALUE_CHAR);
      if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, op, values: [value] });
    } else {
      const word = readIdent(/[a-z]/);
      if (word !== 'in' && word !== 'notin') fail(`found '${word || s[i]}', expected: in, notin, =, ==, !=, gt, lt`);
      skipWs();
      if (s[i] !== '(') fail(`found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        skipWs();
        const v = readIdent(VALUE_CHAR);
        validateLabelValue(v);
        values.push(v);
        skipWs();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        fail(`found '${s[i] ?? ''}', expected: ',' or ')'`);
      }
      reqs.push({ key, op: word as 'in' | 'notin', values: values.filter((v, idx) => values.indexOf(v) === idx) });
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ',') fail(`found '${s[i]}', expected: ',' or 'end of string'`);
    i++;
  }
  return makeSelector(reqs);
}

function validateLabelKey(key: string): void {
  const parts = key.split('/');
  const name = parts.length === 2 ? parts[1] : parts[0];
  if (parts.length > 2 || !/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name) || name.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`);
  }
}

function validateLabelValue(v: string): void {
  if (v.length > 63 || (v !== '' && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))) {
    throw badRequest(`unable to parse requirement: invalid label value: "${v}": at key: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
  }
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  empty: boolean;
  matches(fields: Record<string, string>): boolean;
}

/** fields.ParseSelector: "metadata.name=web,spec.nodeName!=n1" (values may escape \, and \= and \\). */
export function parseFieldSelector(input: string | undefined | null): FieldSelector {
  const s = (input ?? '').trim();
  const reqs: FieldRequirement[] = [];
  if (s) {
    for (const term of splitUnescaped(s, ',')) {
      if (!term) continue;
      const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(term);
      if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
      reqs.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: unescapeFieldValue(m[3]) });
    }
  }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches(fields) {
      return reqs.every((r) => (r.op === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value));
    },
  };
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function unescapeFieldValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
