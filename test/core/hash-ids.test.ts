import t from "tap";
import { canonicalJson, sha256Hex, sha256OfJson } from "#core/hash.ts";
import { isRunId, newRunId, runIdTime, shortRunId } from "#core/ids.ts";

t.test("canonical JSON follows RFC 8785", async (t) => {
  t.equal(canonicalJson({ b: 1, a: [true, null, "x"] }), '{"a":[true,null,"x"],"b":1}');
  // RFC 8785 §3.2.2.3 number serialisation examples
  t.equal(
    canonicalJson([1e21, 1e-7, -0, 0.000001, 333333333.3333333]),
    "[1e+21,1e-7,0,0.000001,333333333.3333333]",
  );
  t.equal(canonicalJson({ "\u20ac": 1, "\r": 2, "1": 3 }), '{"\\r":2,"1":3,"€":1}');
  t.equal(canonicalJson({ a: { d: 1, c: 2 } }), canonicalJson({ a: { c: 2, d: 1 } }));
  t.throws(() => canonicalJson(undefined), /not representable/);
});

t.test("sha256 helpers", async (t) => {
  t.equal(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  t.equal(
    sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  t.equal(sha256OfJson({ b: 2, a: 1 }), sha256Hex('{"a":1,"b":2}'));
  t.not(sha256OfJson({ a: 1 }), sha256OfJson({ a: 2 }));
});

t.test("run ids", async (t) => {
  const id = newRunId(1_700_000_000_000);
  t.match(id, /^pf-[0-9A-HJKMNP-TV-Z]{26}$/);
  t.ok(isRunId(id));
  t.equal(runIdTime(id), 1_700_000_000_000);
  t.equal(shortRunId(id).length, 8);
  t.notOk(isRunId(`pf-${"I".repeat(26)}`), "I is not Crockford");
  t.notOk(isRunId("pf-8ZZZZZZZZZZZZZZZZZZZZZZZZZ"), "timestamp overflow");
  t.notOk(isRunId(`run-${id.slice(3)}`));
  const ids = new Set(Array.from({ length: 1000 }, () => newRunId()));
  t.equal(ids.size, 1000, "unique");
});
