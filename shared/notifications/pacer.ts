/**
 * Keeps Governor's email inside Azure Communication Services' default quota (30 emails a minute
 * and 100 an hour per resource) with room to spare. Sends are counted in the notifications table
 * (`email-send` rows), so the count holds across invocations, restarts and the timers' runs.
 *
 * Two ceilings, both well under the quota:
 * - `prompt` messages (approval requests, alerts, the digest, budget notices): 20 a minute and 80
 *   an hour; at the minute ceiling a send waits (at most a minute) for the window to move on;
 * - `deferrable` messages (owners' notices): 10 a minute and 50 an hour; at either ceiling they are
 *   held, and the next run of the daily timer (every 15 minutes) sends them. The 30 to 50 an hour
 *   they leave free are the prompt messages' room.
 *
 * One process sends through one pacer at a time (a queue), so its own sends cannot overtake the
 * count; the deferrable sender is the daily timer, which the Functions host runs on one instance.
 */
import type { NotificationStore } from "./store.ts";

export type SendPriority = "prompt" | "deferrable";

export const ACS_DEFAULT_QUOTA = { perMinute: 30, perHour: 100 } as const;

export const CEILINGS: Record<SendPriority, { perMinute: number; perHour: number }> = {
  prompt: { perMinute: 20, perHour: 80 },
  deferrable: { perMinute: 10, perHour: 50 },
};

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export type PacerAnswer = { ok: true } | { ok: false; reason: string; retryAt: Date };

/** What the window allows now, from the sends of the last hour (pure). */
export function paceDecision(
  sends: readonly Date[],
  at: Date,
  priority: SendPriority,
): { ok: true } | { ok: false; waitMs: number; scope: "minute" | "hour" } {
  const ceiling = CEILINGS[priority];
  const hour = sends.filter((sent) => sent.getTime() > at.getTime() - HOUR_MS).sort((a, b) => a.getTime() - b.getTime());
  const minute = hour.filter((sent) => sent.getTime() > at.getTime() - MINUTE_MS);
  if (hour.length >= ceiling.perHour) {
    const oldest = hour[hour.length - ceiling.perHour] as Date;
    return { ok: false, waitMs: oldest.getTime() + HOUR_MS - at.getTime() + 1, scope: "hour" };
  }
  if (minute.length >= ceiling.perMinute) {
    const oldest = minute[minute.length - ceiling.perMinute] as Date;
    return { ok: false, waitMs: oldest.getTime() + MINUTE_MS - at.getTime() + 1, scope: "minute" };
  }
  return { ok: true };
}

export interface EmailPacerOptions {
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Longest a prompt message waits for the minute window; beyond, it is not sent. */
  maxWaitMs?: number;
}

export class EmailPacer {
  readonly #store: NotificationStore;
  readonly #options: Required<EmailPacerOptions>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: NotificationStore, options: EmailPacerOptions) {
    this.#store = store;
    this.#options = {
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      maxWaitMs: MINUTE_MS,
      ...options,
    };
  }

  /**
   * Waits for room and counts the send (before it is made: the service counts requests), or says
   * why not and when to try again. Sends of one process go one at a time.
   */
  send<T>(
    messageId: string,
    priority: SendPriority,
    send: () => Promise<T>,
  ): Promise<{ sent: true; value: T } | { sent: false; reason: string; retryAt: Date }> {
    const run = this.#queue.then(async () => {
      let waited = 0;
      for (;;) {
        const at = this.#options.now();
        const decision = paceDecision(await this.#store.emailSendsSince(new Date(at.getTime() - HOUR_MS)), at, priority);
        if (decision.ok) break;
        const retryAt = new Date(at.getTime() + decision.waitMs);
        const reason = `held to stay inside the email quota: ${CEILINGS[priority][decision.scope === "hour" ? "perHour" : "perMinute"]} ${priority} emails a ${decision.scope} sent already (the service allows ${ACS_DEFAULT_QUOTA.perMinute} a minute, ${ACS_DEFAULT_QUOTA.perHour} an hour)`;
        if (priority === "deferrable" || decision.scope === "hour" || waited + decision.waitMs > this.#options.maxWaitMs)
          return { sent: false as const, reason, retryAt };
        waited += decision.waitMs;
        await this.#options.sleep(decision.waitMs);
      }
      await this.#store.logEmailSend(this.#options.now(), messageId);
      return { sent: true as const, value: await send() };
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

const pacers = new WeakMap<NotificationStore, EmailPacer>();

/** The one pacer of a store in this process: every email of the process waits in its queue. */
export function pacerOf(store: NotificationStore, now: () => Date): EmailPacer {
  let pacer = pacers.get(store);
  if (!pacer) {
    pacer = new EmailPacer(store, { now });
    pacers.set(store, pacer);
  }
  return pacer;
}
