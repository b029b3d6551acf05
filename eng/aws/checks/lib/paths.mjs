// Path patterns of three kinds, and whether two of them can match the same path:
//   - CloudFront cache behaviors and ALB listener rules: globs, case-sensitive, '*' = any characters (also '/'),
//     '?' = exactly one character (CloudFront: "Cache behavior settings > Path pattern"; ELB: "Path conditions").
//   - ASP.NET Core route patterns as the running app reported them: literal text, '{name:constraint}' parameters (one
//     or more characters of one segment), optional '{name?}' segments, and catch-all '{*name}' / '{**name}'.
// Each pattern becomes a list of tokens; two patterns overlap when some path matches both, decided exactly by walking
// both token lists together (the product of two small automata).

const LIT = "lit"; // one literal character
const ANY = "any"; // exactly one character
const STAR = "star"; // any characters, '/' included, possibly none
const NS = "ns"; // one character that is not '/'
const NSSTAR = "nsstar"; // any characters except '/', possibly none

/** Tokens of a CloudFront or ALB path pattern ('/'-prefixed; CloudFront accepts patterns without the leading '/'). */
export function globTokens(pattern) {
  const text = pattern.startsWith("/") || pattern === "*" ? pattern : `/${pattern}`;
  return [...text].map((c) => (c === "*" ? { t: STAR } : c === "?" ? { t: ANY } : { t: LIT, c }));
}

/** A RegExp for a CloudFront or ALB glob. */
export function globRegExp(pattern) {
  const text = pattern.startsWith("/") || pattern === "*" ? pattern : `/${pattern}`;
  return new RegExp(`^${[...text].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`, "s");
}

/** Whether a route pattern has a catch-all parameter (it takes whatever no other route takes). */
export function isCatchAll(pattern) {
  return /\{\*\*?[^}]+\}/.test(pattern);
}

/** Token lists of a route pattern: one per choice of its optional segments. */
export function routeTokenLists(pattern) {
  const segments = pattern.replace(/^\//, "").split("/");
  let variants = [[]];
  for (const segment of segments) {
    const optional = /^\{[^}*]+\?\}$/.test(segment);
    const tokens = segmentTokens(segment);
    const withSegment = variants.map((v) => [...v, { t: LIT, c: "/" }, ...tokens]);
    variants = optional ? [...variants, ...withSegment] : withSegment;
  }
  return variants.map((v) => (v.length === 0 ? [{ t: LIT, c: "/" }] : v));
}

function segmentTokens(segment) {
  const tokens = [];
  let i = 0;
  while (i < segment.length) {
    if (segment[i] === "{") {
      const end = segment.indexOf("}", i);
      const inner = segment.slice(i + 1, end);
      tokens.push(...(inner.startsWith("*") ? [{ t: STAR }] : [{ t: NS }, { t: NSSTAR }]));
      i = end + 1;
    } else {
      tokens.push({ t: LIT, c: segment[i] });
      i++;
    }
  }
  return tokens;
}

/** A concrete path for a route pattern: GUIDs for guid parameters, numbers for int ones, 'v1'-like text otherwise. */
export function samplePath(pattern) {
  const path = pattern.replace(/\{(\*\*?)?([^}:?]+)(:[^}?]*)?\??\}/g, (_, catchAll, name, constraint = "") => {
    if (catchAll) return constraint.includes("file") ? "sample/file.txt" : "sample/path";
    if (constraint.includes("guid")) return "3f1c2a8e-5b7d-4e9a-8c6f-2d4b6a8e0c1f";
    if (constraint.includes("int") || constraint.includes("long")) return "42";
    return name.toLowerCase().includes("document") ? "v1" : "sample";
  });
  return path.startsWith("/") ? path : `/${path}`;
}

function accepts(token, c) {
  switch (token.t) {
    case LIT: return token.c === c;
    case NS:
    case NSSTAR: return c !== "/";
    default: return true;
  }
}

/** Whether some path matches both token lists. */
export function overlaps(a, b) {
  // Characters worth trying: every literal of either pattern, '/', and one that neither names.
  const alphabet = new Set(["/", "\u0001"]);
  for (const t of [...a, ...b]) if (t.t === LIT) alphabet.add(t.c);
  const seen = new Set();
  const queue = [[0, 0]];
  const push = (i, j) => {
    const key = `${i},${j}`;
    if (!seen.has(key)) {
      seen.add(key);
      queue.push([i, j]);
    }
  };
  push(0, 0);
  while (queue.length) {
    const [i, j] = queue.shift();
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    // Tokens that may match nothing can be skipped.
    if (ta && (ta.t === STAR || ta.t === NSSTAR)) push(i + 1, j);
    if (tb && (tb.t === STAR || tb.t === NSSTAR)) push(i, j + 1);
    if (!ta || !tb) continue;
    for (const c of alphabet) {
      if (!accepts(ta, c) || !accepts(tb, c)) continue;
      const nextA = ta.t === STAR || ta.t === NSSTAR ? [i, i + 1] : [i + 1];
      const nextB = tb.t === STAR || tb.t === NSSTAR ? [j, j + 1] : [j + 1];
      for (const x of nextA) for (const y of nextB) push(x, y);
    }
  }
  return false;
}
