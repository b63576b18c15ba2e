import { CompareOp, FilterExpr, FilterValue, SetItem } from './ast';
import { ConnectionFields, FIELDS, FieldDef } from './fields';

/*
 * A parsed filter becomes a tree of closures, built once: constants are decoded, sets hashed
 * and masks computed here, so testing one connection allocates nothing and walks no tree of
 * data. The semantics are Wireshark 4's, for fields that may hold two values (ip.addr,
 * tcp.port: one per end):
 *   ==  <  <=  >  >=  contains  in  &   true when any value matches;
 *   !=   (all_ne)  no value equals: the same as !(f == x), so `ip.addr != 10.0.0.1` drops
 *        every connection that has 10.0.0.1 at either end;
 *   ===  (all_eq)  every value equals;  !== / ~= (any_ne)  some value differs;
 *   not in        the plain negation of `in`.
 * A comparison also says the field exists (ipv6.addr != ::1 is false on an IPv4 connection);
 * `not in` does not, as tshark 4.0 does not.
 */

export type ConnectionTest = (c: ConnectionFields) => boolean;

export function compileExpr(e: FilterExpr): ConnectionTest {
  switch (e.kind) {
    case 'or': {
      const ps = e.items.map(compileExpr);
      if (ps.length === 2) {
        const [a, b] = ps as [ConnectionTest, ConnectionTest];
        return (c) => a(c) || b(c);
      }
      return (c) => {
        for (let i = 0; i < ps.length; i++) if (ps[i]!(c)) return true;
        return false;
      };
    }
    case 'and': {
      const ps = e.items.map(compileExpr);
      if (ps.length === 2) {
        const [a, b] = ps as [ConnectionTest, ConnectionTest];
        return (c) => a(c) && b(c);
      }
      return (c) => {
        for (let i = 0; i < ps.length; i++) if (!ps[i]!(c)) return false;
        return true;
      };
    }
    case 'not': {
      const p = compileExpr(e.item);
      return (c) => !p(c);
    }
    case 'exists':
      return field(e.field).exists;
    case 'compare':
      return withExistence(field(e.field), compileCompare(field(e.field), e.op, e.value));
    case 'contains': {
      const get = field(e.field).text!;
      const v = e.value;
      return (c) => get(c).includes(v);
    }
    case 'in': {
      const f = field(e.field);
      const p = withExistence(f, compileIn(f, e.items));
      return e.negated ? (c) => !p(c) : p;
    }
    case 'bitand': {
      const m = e.mask;
      return withExistence(field(e.field), quantify(field(e.field), false, (x) => (x & m) !== 0));
    }
  }
}

function field(name: string): FieldDef {
  const f = FIELDS.get(name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

/** Of the fields that hold values, only ipv6.* can be missing (on an IPv4 connection). */
function withExistence(f: FieldDef, p: ConnectionTest): ConnectionTest {
  if (f.type !== 'addr' || !f.ipv6Only) return p;
  const exists = f.exists;
  return (c) => exists(c) && p(c);
}

type NumberTest = (x: number) => boolean;
/** An address test: the words and whether the connection is IPv6. */
type AddressTest = (a: ArrayLike<number>, v6: boolean) => boolean;

/** `all` for != and === (every value must pass), otherwise any value. */
function allValues(op: CompareOp): boolean {
  return op === '!=' || op === '===';
}

function compileCompare(f: FieldDef, op: CompareOp, v: FilterValue): ConnectionTest {
  const all = allValues(op);
  if (v.type === 'uint' || v.type === 'time') return quantify(f, all, numberTest(op, v.value));
  if (v.type === 'addr') return quantifyAddresses(f, all, addressTest(op, v));
  const get = f.text!;
  const s = v.value;
  return op === '==' || op === '===' ? (c) => get(c) === s : (c) => get(c) !== s;
}

function numberTest(op: CompareOp, v: number): NumberTest {
  switch (op) {
    case '==':
    case '===':
      return (x) => x === v;
    case '!=':
    case '!==':
      return (x) => x !== v;
    case '<':
      return (x) => x < v;
    case '<=':
      return (x) => x <= v;
    case '>':
      return (x) => x > v;
    case '>=':
      return (x) => x >= v;
  }
}

function quantify(f: FieldDef, all: boolean, t: NumberTest): ConnectionTest {
  const [g0, g1] = f.numbers!;
  if (!g1) return (c) => t(g0!(c));
  return all ? (c) => t(g0!(c)) && t(g1(c)) : (c) => t(g0!(c)) || t(g1(c));
}

function quantifyAddresses(f: FieldDef, all: boolean, t: AddressTest): ConnectionTest {
  const [g0, g1] = f.addresses!;
  if (!g1) return (c) => t(g0!(c), c.ipVersion === 6);
  return all
    ? (c) => t(g0!(c), c.ipVersion === 6) && t(g1(c), c.ipVersion === 6)
    : (c) => t(g0!(c), c.ipVersion === 6) || t(g1(c), c.ipVersion === 6);
}

/**
 * Orders an address against a literal on the literal's first `prefix` bits, as Wireshark
 * compares with a network: 10.1.2.3 == 10.0.0.0/8, and 10.1.2.3 > 9.0.0.0/8. NaN across
 * families, so every ordering and equality is false there and every inequality true.
 */
function addressOrder(lit: Extract<FilterValue, { type: 'addr' }>): (a: ArrayLike<number>, v6: boolean) => number {
  const n = lit.v6 ? 4 : 1;
  const mask = new Uint32Array(4);
  const want = new Uint32Array(4);
  for (let i = 0; i < n; i++) {
    const bits = Math.max(0, Math.min(32, lit.prefix - 32 * i));
    mask[i] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    want[i] = (lit.words[i]! & mask[i]!) >>> 0;
  }
  const v6 = lit.v6;
  return (a, isV6) => {
    if (isV6 !== v6) return NaN;
    for (let i = 0; i < n; i++) {
      const x = (a[i]! & mask[i]!) >>> 0;
      if (x !== want[i]) return x < want[i]! ? -1 : 1;
    }
    return 0;
  };
}

function addressTest(op: CompareOp, lit: Extract<FilterValue, { type: 'addr' }>): AddressTest {
  const order = addressOrder(lit);
  switch (op) {
    case '==':
    case '===':
      return (a, v6) => order(a, v6) === 0;
    case '!=':
    case '!==':
      return (a, v6) => order(a, v6) !== 0;
    case '<':
      return (a, v6) => order(a, v6) < 0;
    case '<=':
      return (a, v6) => order(a, v6) <= 0;
    case '>':
      return (a, v6) => order(a, v6) > 0;
    case '>=':
      return (a, v6) => order(a, v6) >= 0;
  }
}

function compileIn(f: FieldDef, items: SetItem[]): ConnectionTest {
  if (f.type === 'name') {
    const names = new Set(items.map((i) => (i.type === 'name' ? i.value : '')));
    const get = f.text!;
    return (c) => names.has(get(c));
  }
  if (f.type === 'addr') {
    const tests: AddressTest[] = items.map((i) => {
      if (i.type === 'range' && i.lo.type === 'addr' && i.hi.type === 'addr') {
        const lo = addressOrder(i.lo);
        const hi = addressOrder(i.hi);
        return (a, v6) => lo(a, v6) >= 0 && hi(a, v6) <= 0;
      }
      return addressTest('==', i as Extract<FilterValue, { type: 'addr' }>);
    });
    return quantifyAddresses(f, false, (a, v6) => {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(a, v6)) return true;
      return false;
    });
  }
  const singles = new Set<number>();
  const ranges: number[] = [];
  for (const i of items) {
    if (i.type === 'range') ranges.push(numberOf(i.lo), numberOf(i.hi));
    else singles.add(numberOf(i));
  }
  return quantify(f, false, (x) => {
    if (singles.has(x)) return true;
    for (let i = 0; i < ranges.length; i += 2) if (x >= ranges[i]! && x <= ranges[i + 1]!) return true;
    return false;
  });
}

function numberOf(v: FilterValue): number {
  return v.type === 'uint' || v.type === 'time' ? v.value : NaN;
}
