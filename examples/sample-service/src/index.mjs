// @ts-check
/**
 * A round-robin publisher: every published message goes to the next subscriber in turn.
 * Subscribers can be paused; a paused subscriber is skipped until it is resumed.
 */

/**
 * @param {readonly string[]} subscribers
 * @returns {import("./index.d.ts").RoundPublisher}
 */
export function createRoundPublisher(subscribers) {
  if (!Array.isArray(subscribers) || subscribers.length === 0) {
    throw new TypeError("subscribers must be a non-empty array of names");
  }
  const names = [...subscribers];
  if (new Set(names).size !== names.length) {
    throw new TypeError("subscriber names must be unique");
  }
  const paused = new Set();
  let next = 0;

  return {
    publish(message) {
      for (let tried = 0; tried < names.length; tried += 1) {
        const index = (next + tried) % names.length;
        const name = names[index];
        if (!paused.has(name)) {
          next = (index + 1) % names.length;
          return { subscriber: name, message };
        }
      }
      throw new Error("every subscriber is paused");
    },
    pause(name) {
      if (!names.includes(name)) throw new RangeError(`unknown subscriber: ${name}`);
      paused.add(name);
    },
    resume(name) {
      paused.delete(name);
    },
    subscribers() {
      return [...names];
    },
  };
}
