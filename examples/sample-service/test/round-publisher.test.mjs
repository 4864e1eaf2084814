import assert from "node:assert/strict";
import { test } from "node:test";
import { createRoundPublisher } from "../src/index.mjs";

test("publishes round-robin in subscriber order", () => {
  const p = createRoundPublisher(["a", "b", "c"]);
  const got = [1, 2, 3, 4].map((m) => p.publish(m).subscriber);
  assert.deepEqual(got, ["a", "b", "c", "a"]);
});

test("skips paused subscribers and picks them up again on resume", () => {
  const p = createRoundPublisher(["a", "b", "c"]);
  p.pause("b");
  assert.deepEqual(
    [1, 2, 3].map((m) => p.publish(m).subscriber),
    ["a", "c", "a"],
  );
  p.resume("b");
  assert.equal(p.publish(4).subscriber, "b");
});

test("refuses to publish when every subscriber is paused", () => {
  const p = createRoundPublisher(["a"]);
  p.pause("a");
  assert.throws(() => p.publish("x"), /every subscriber is paused/);
});

test("rejects empty, duplicate and unknown subscribers", () => {
  assert.throws(() => createRoundPublisher([]), TypeError);
  assert.throws(() => createRoundPublisher(["a", "a"]), TypeError);
  assert.throws(() => createRoundPublisher(["a"]).pause("z"), RangeError);
});
