// Message ids are Redis stream ids "ms-seq": compare them as numbers, never as strings.

/** Negative, zero or positive like a sort comparator. */
export function compareIds(a, b) {
  const [am, as] = a.split("-");
  const [bm, bs] = b.split("-");
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** A fresh client_id for a post (kept and re-sent on retry). */
export function newClientId() {
  return `c-${crypto.randomUUID()}`;
}
