/**
 * The app's clock. In Azure it is the system clock; the local runtime points it at the virtual
 * clock it shares with the emulator, so activities and the emulated subscription agree on "now".
 */
let current: () => Date = () => new Date();

export function now(): Date {
  return current();
}

export function useClock(clock: () => Date): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}
