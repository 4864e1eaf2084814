// The one clock of every runtime: a function returning "now". Tests inject a fixed or stepping one.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
