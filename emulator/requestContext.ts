/** The caller of the request being handled, for what the handlers emit (events carry its claims). */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Caller } from "./identity.ts";

const storage = new AsyncLocalStorage<{ caller: Caller }>();

export function withCaller<T>(caller: Caller, run: () => T): T {
  return storage.run({ caller }, run);
}

export function currentCaller(): Caller | undefined {
  return storage.getStore()?.caller;
}
