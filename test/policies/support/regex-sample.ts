// Strings that match a token rule's pattern, generated from the pattern itself (as gitleaks does
// for its own true positives with `secrets.NewSecret(regex)`): literals are kept, each class
// yields random members, each quantifier a random count in its range (unbounded: min + up to 40),
// alternatives are picked at random, lookarounds and anchors yield nothing. Deterministic per
// seed. Only the JS subset re2-to-js.ts produces is understood.

export class SeededRandom {
  private x: number;
  constructor(seed: number) {
    this.x = seed | 0 || 1;
  }
  next(): number {
    this.x ^= this.x << 13;
    this.x ^= this.x >>> 17;
    this.x ^= this.x << 5;
    return (this.x >>> 0) / 0x100000000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

type Node =
  | { t: "chars"; set: string }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; options: Node[] }
  | { t: "rep"; node: Node; min: number; max: number }
  | { t: "empty" };

const DIGITS = "0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const WORD = `${UPPER}${LOWER}${DIGITS}_`;

function escapeSet(c: string): string {
  switch (c) {
    case "d":
      return DIGITS;
    case "w":
      return WORD;
    case "s":
      return " ";
    case "t":
      return "\t";
    case "n":
    case "r":
    case "f":
    case "v":
      // Samples stay on one line.
      return " ";
    default:
      return c;
  }
}

class Parser {
  i = 0;
  private readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  parseAlt(): Node {
    const options: Node[] = [this.parseSeq()];
    while (this.src[this.i] === "|") {
      this.i++;
      options.push(this.parseSeq());
    }
    return options.length === 1 ? (options[0] as Node) : { t: "alt", options };
  }

  parseSeq(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== "|" && this.src[this.i] !== ")") {
      const atom = this.parseAtom();
      items.push(this.parseQuantifier(atom));
    }
    return { t: "seq", items };
  }

  parseQuantifier(atom: Node): Node {
    const c = this.src[this.i];
    let min = 1;
    let max = 1;
    if (c === "*" || c === "+" || c === "?") {
      this.i++;
      min = c === "+" ? 1 : 0;
      max = c === "?" ? 1 : min + 40;
    } else if (c === "{" && /^\{\d+(?:,\d*)?\}/.test(this.src.slice(this.i))) {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.i)) as RegExpExecArray;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" || m[3] === undefined ? min + 40 : Number(m[3]);
    } else return atom;
    if (this.src[this.i] === "?") this.i++;
    return { t: "rep", node: atom, min, max };
  }

  parseAtom(): Node {
    const c = this.src[this.i++] as string;
    if (c === "(") {
      let lookaround = false;
      if (this.src[this.i] === "?") {
        const rest = this.src.slice(this.i);
        const m = /^\?(?::|<[A-Za-z_]\w*>|=|!|<=|<!)/.exec(rest);
        if (m === null) throw new Error(`unsupported group at ${this.i} in ${this.src}`);
        lookaround = /^\?(?:=|!|<=|<!)$/.test(m[0]);
        this.i += m[0].length;
      }
      const inner = this.parseAlt();
      this.i++; // ')'
      return lookaround ? { t: "empty" } : inner;
    }
    if (c === "[") return this.parseClass();
    if (c === "\\") {
      const e = this.src[this.i++] as string;
      if (e === "b" || e === "B") return { t: "empty" };
      if (e === "x") {
        const hex = this.src.slice(this.i, this.i + 2);
        this.i += 2;
        return { t: "chars", set: String.fromCharCode(Number.parseInt(hex, 16)) };
      }
      return { t: "chars", set: escapeSet(e) };
    }
    if (c === "^" || c === "$") return { t: "empty" };
    if (c === ".") return { t: "chars", set: `${LOWER}${DIGITS}` };
    return { t: "chars", set: c };
  }

  parseClass(): Node {
    let negated = false;
    if (this.src[this.i] === "^") {
      negated = true;
      this.i++;
    }
    let set = "";
    let first = true;
    while (this.i < this.src.length && (this.src[this.i] !== "]" || first)) {
      first = false;
      let c = this.src[this.i++] as string;
      if (c === "\\") {
        const e = this.src[this.i++] as string;
        if (e === "x") {
          c = String.fromCharCode(Number.parseInt(this.src.slice(this.i, this.i + 2), 16));
          this.i += 2;
        } else {
          const s = escapeSet(e);
          if (s.length > 1) {
            set += s;
            continue;
          }
          c = s;
        }
      }
      if (this.src[this.i] === "-" && this.src[this.i + 1] !== "]" && this.i + 1 < this.src.length) {
        this.i++;
        let to = this.src[this.i++] as string;
        if (to === "\\") to = this.src[this.i++] as string;
        for (let k = c.charCodeAt(0); k <= to.charCodeAt(0); k++) set += String.fromCharCode(k);
      } else set += c;
    }
    this.i++; // ']'
    if (negated) {
      // A member of the complement that is a token character, so samples stay readable.
      const pool = `${LOWER}${DIGITS}${UPPER}`;
      set = [...pool].filter((ch) => !set.includes(ch)).join("") || "~";
    }
    return { t: "chars", set };
  }
}

function gen(node: Node, r: SeededRandom): string {
  switch (node.t) {
    case "empty":
      return "";
    case "chars":
      return node.set[r.int(node.set.length)] ?? "";
    case "seq":
      return node.items.map((n) => gen(n, r)).join("");
    case "alt":
      return gen(node.options[r.int(node.options.length)] as Node, r);
    case "rep": {
      const n = node.min + r.int(node.max - node.min + 1);
      let out = "";
      for (let k = 0; k < n; k++) out += gen(node.node, r);
      return out;
    }
  }
}

/**
 * A random string matching `source` (JS syntax); throws on constructs it does not know. Literals
 * keep their published case under `i`, so samples look like the real thing.
 */
export function sample(source: string, seed: number): string {
  const p = new Parser(source);
  const tree = p.parseAlt();
  if (p.i < source.length) throw new Error(`unparsed tail ${source.slice(p.i)}`);
  return gen(tree, new SeededRandom(seed));
}
