// Counts in a reused table (ASCII) plus a map for the rest: named rules compute this for every
// candidate value, and a text dense with `name=value` pairs has one per keyword.
const ascii = new Uint32Array(128);
const touched = new Uint8Array(128);

/** Shannon entropy of `s` in bits per char, as gitleaks computes it. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let distinct = 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (ascii[c] === 0) touched[distinct++] = c;
      ascii[c] = (ascii[c] as number) + 1;
    } else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  for (let k = 0; k < distinct; k++) {
    const c = touched[k] as number;
    const p = (ascii[c] as number) / n;
    h -= p * Math.log2(p);
    ascii[c] = 0;
  }
  if (other !== undefined) {
    for (const count of other.values()) {
      const p = count / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}
