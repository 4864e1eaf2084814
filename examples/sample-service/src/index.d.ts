export interface Delivery<T> {
  subscriber: string;
  message: T;
}

export interface RoundPublisher {
  /** Delivers `message` to the next active subscriber in round-robin order. */
  publish<T>(message: T): Delivery<T>;
  /** Skips `name` until it is resumed. Throws RangeError for an unknown subscriber. */
  pause(name: string): void;
  resume(name: string): void;
  subscribers(): string[];
}

export function createRoundPublisher(subscribers: readonly string[]): RoundPublisher;
