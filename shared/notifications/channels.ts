/**
 * The two channels every message of Governor's goes through, approval requests and notifications
 * alike: an Adaptive Card to a Teams Workflows webhook over HTTPS, and an email through Azure
 * Communication Services with the real `EmailClient` (a long-running send it polls to the end).
 * Each channel is tried a few times with backoff (a 429's Retry-After honoured, capped); what
 * happened comes back as data, never as an exception, so the caller records it.
 */
import { retryAfterMs } from "../azure/retryAfter.ts";

export interface EmailContent {
  subject: string;
  html: string;
  plainText: string;
}

export interface ChannelReport {
  channel: "teams" | "email";
  delivered: boolean;
  attempts: number;
  error?: string;
  /** The channel refused the message for good (a 4xx other than 408/429, a send that ended Failed): retrying would not help. */
  permanent?: boolean;
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class Permanent extends Error {}

async function withRetries(
  channel: ChannelReport["channel"],
  retry: RetryOptions,
  attempt: () => Promise<{ retryAfterMs?: number } | void>,
): Promise<ChannelReport> {
  let lastError = "";
  for (let index = 1; index <= retry.attempts; index += 1) {
    try {
      await attempt();
      return { channel, delivered: true, attempts: index };
    } catch (error) {
      lastError = (error as Error).message;
      if (error instanceof Permanent) return { channel, delivered: false, attempts: index, error: lastError, permanent: true };
      if (index === retry.attempts) return { channel, delivered: false, attempts: index, error: lastError };
      const hinted = (error as { retryAfterMs?: number }).retryAfterMs;
      await sleep(Math.min(retry.maxDelayMs, hinted ?? retry.baseDelayMs * 2 ** (index - 1)));
    }
  }
  return { channel, delivered: false, attempts: retry.attempts, error: lastError };
}

/** Posts the message; 2xx is delivered, 408/429/5xx and network errors are retried, other 4xx are not. */
export function postToTeams(url: string, message: unknown, retry: RetryOptions = DEFAULT_RETRY): Promise<ChannelReport> {
  return withRetries("teams", retry, async () => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new Error(`the Teams webhook could not be reached: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => "");
    if (response.ok) return;
    const detail = `the Teams webhook answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const hinted = retryAfterMs(response.headers);
      throw Object.assign(new Error(detail), hinted !== undefined && hinted > 0 ? { retryAfterMs: hinted } : {});
    }
    throw new Permanent(detail);
  });
}

export interface EmailTarget {
  connectionString: string;
  sender: string;
  to: string[];
  /** The emulator's CA, locally; nothing in Azure. */
  tlsCa?: string;
  /** How often the send operation is polled; the SDK's default otherwise. */
  pollIntervalMs?: number;
}

export function sendEmail(target: EmailTarget, content: EmailContent, retry: RetryOptions = DEFAULT_RETRY): Promise<ChannelReport> {
  return withRetries("email", retry, async () => {
    const { EmailClient } = await import("@azure/communication-email");
    const client = new EmailClient(target.connectionString, {
      ...(target.tlsCa ? { tlsOptions: { ca: target.tlsCa } } : {}),
      retryOptions: { maxRetries: 1, retryDelayInMs: Math.min(retry.baseDelayMs, 500) },
    });
    const poller = await client.beginSend(
      {
        senderAddress: target.sender,
        content: { subject: content.subject, plainText: content.plainText, html: content.html },
        recipients: { to: target.to.map((address) => ({ address })) },
        // Engagement tracking rewrites links: an approval link must reach the page as it was signed.
        disableUserEngagementTracking: true,
      },
      target.pollIntervalMs === undefined ? {} : { updateIntervalInMs: target.pollIntervalMs },
    );
    const result = await poller.pollUntilDone();
    if (result.status !== "Succeeded") {
      throw new Permanent(
        `the email service ended the send as ${result.status}${result.error?.message ? `: ${result.error.message}` : ""}`,
      );
    }
  });
}

/** The body a Teams Workflows webhook takes: a message with the card as its one attachment. */
export function teamsMessage(card: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
  };
}
