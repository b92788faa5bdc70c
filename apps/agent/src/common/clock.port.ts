/** The current time; injected so tests and retention logic never read the real clock implicitly. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
