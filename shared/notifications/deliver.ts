/**
 * The one delivery path of notifications: a message is claimed per channel (a redelivered
 * activity or a timer that fires twice sends once), sent through the shared channels (retries,
 * Retry-After), emails paced inside the service's quota, and each channel's result recorded in
 * the audit trail: delivered, failed (the channel refused it, with its reason) or undeliverable
 * (unreachable or failing through every retry, or nowhere to send it).
 */
import { platformOf } from "../platform.ts";
import { type AuditRecord, GOVERNOR_ACTOR } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import type { GovernorConfig } from "../config.ts";
import { type ChannelReport, postToTeams, type RetryOptions, DEFAULT_RETRY, sendEmail, teamsMessage } from "./channels.ts";
import { type Notification, notificationCard, notificationEmail } from "./message.ts";
import { type EmailPacer, pacerOf } from "./pacer.ts";
import type { DeliveryStatus, NotificationStore } from "./store.ts";

export interface NotificationChannels {
  teamsWebhookUrl?: string;
  email?: {
    connectionString: string;
    sender: string;
    /** The platform team. */
    to: string[];
    /** Alerts' recipients; the platform team when none is set. */
    escalationTo: string[];
    tlsCa?: string;
    pollIntervalMs?: number;
  };
}

/** The channels of the app's settings: the approval requests' Teams webhook and email service. */
export function channelsFromConfig(config: GovernorConfig): NotificationChannels {
  const { teamsWebhookUrl, email } = config.approvals;
  const platform = platformOf(config);
  return {
    ...(teamsWebhookUrl ? { teamsWebhookUrl } : {}),
    ...(email
      ? {
          email: {
            connectionString: email.connectionString,
            sender: email.sender,
            to: email.to,
            escalationTo: email.escalationTo,
            ...(platform.tlsCa === undefined ? {} : { tlsCa: platform.tlsCa }),
            ...(platform.pollIntervalMs === undefined ? {} : { pollIntervalMs: platform.pollIntervalMs }),
          },
        }
      : {}),
  };
}

export interface ChannelOutcome {
  channel: "teams" | "email";
  /** `already-sent`: an earlier delivery of this message took the channel; `held`: the pacer keeps it for a later run. */
  status: DeliveryStatus | "already-sent" | "held";
  attempts: number;
  recipients?: string[];
  error?: string;
}

export interface DeliveryReport {
  messageId: string;
  kind: Notification["kind"];
  channels: ChannelOutcome[];
}

export interface DeliveryDependencies {
  channels: NotificationChannels;
  store: NotificationStore;
  trail: AuditTrail;
  now: () => Date;
  retry?: RetryOptions;
  pacer?: EmailPacer;
  /** What the audit records name as the trigger. */
  trigger: AuditRecord["trigger"];
}

function emailRecipients(message: Notification, email: NonNullable<NotificationChannels["email"]>): string[] {
  switch (message.audience.type) {
    case "address":
      return [message.audience.address];
    case "team":
      return message.audience.addresses;
    case "escalation":
      return email.escalationTo.length > 0 ? email.escalationTo : email.to;
    case "platform":
      return email.to;
  }
}

function describeOutcome(outcome: ChannelOutcome): string {
  const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}`;
  if (outcome.status === "delivered") return `delivered (${tries})`;
  if (outcome.status === "failed") return `FAILED after ${tries}: ${outcome.error ?? "unknown error"}`;
  return `UNDELIVERABLE after ${tries}: ${outcome.error ?? "unknown error"}`;
}

function statusOf(report: ChannelReport): DeliveryStatus {
  if (report.delivered) return "delivered";
  return report.permanent ? "failed" : "undeliverable";
}

/** Delivers a message to every channel its audience reads; never throws for a channel's failure. */
export async function deliverNotification(message: Notification, deps: DeliveryDependencies): Promise<DeliveryReport> {
  const retry = deps.retry ?? DEFAULT_RETRY;
  const pacer = deps.pacer ?? pacerOf(deps.store, deps.now);
  const jobs: Array<Promise<ChannelOutcome | undefined>> = [];
  // Owners' notices are personal, a scope's digest its team's: by email only, never to the platform's channel.
  const byEmailOnly = message.audience.type === "address" || message.audience.type === "team" || message.kind === "owner-notice";
  const teamsUrl = byEmailOnly ? undefined : deps.channels.teamsWebhookUrl;
  if (teamsUrl !== undefined)
    jobs.push(deliverOn("teams", message, deps, () => postToTeams(teamsUrl, teamsMessage(notificationCard(message)), retry)));
  const email = deps.channels.email;
  if (email !== undefined) {
    const to = emailRecipients(message, email);
    jobs.push(
      deliverOn(
        "email",
        message,
        deps,
        async () => {
          const paced = await pacer.send(message.id, message.kind === "owner-notice" ? "deferrable" : "prompt", () =>
            sendEmail(
              {
                connectionString: email.connectionString,
                sender: email.sender,
                to,
                ...(email.tlsCa ? { tlsCa: email.tlsCa } : {}),
                ...(email.pollIntervalMs === undefined ? {} : { pollIntervalMs: email.pollIntervalMs }),
              },
              notificationEmail(message),
              retry,
            ),
          );
          return paced.sent ? paced.value : { held: true as const, reason: paced.reason, deferrable: message.kind === "owner-notice" };
        },
        to,
      ),
    );
  } else if (message.audience.type === "address" || message.audience.type === "team") {
    jobs.push(
      record(message, deps, {
        channel: "email",
        status: "undeliverable",
        attempts: 0,
        recipients: message.audience.type === "address" ? [message.audience.address] : message.audience.addresses,
        error: "email is not configured (GOVERNOR_EMAIL_CONNECTION_STRING)",
      }),
    );
  }
  const channels = (await Promise.all(jobs)).filter((outcome): outcome is ChannelOutcome => outcome !== undefined);
  return { messageId: message.id, kind: message.kind, channels };
}

type Held = { held: true; reason: string; deferrable: boolean };

async function deliverOn(
  channel: "teams" | "email",
  message: Notification,
  deps: DeliveryDependencies,
  send: () => Promise<ChannelReport | Held>,
  recipients?: string[],
): Promise<ChannelOutcome | undefined> {
  const claim = await deps.store.claim(message.id, channel, deps.now());
  if (!claim.claimed) {
    return {
      channel,
      status: "already-sent",
      attempts: claim.existing.attempts ?? 0,
      ...(recipients ? { recipients } : {}),
      ...(claim.existing.error ? { error: claim.existing.error } : {}),
    };
  }
  let outcome: ChannelOutcome;
  try {
    const sent = await send();
    if ("held" in sent) {
      if (sent.deferrable) {
        await deps.store.release(message.id, channel);
        return { channel, status: "held", attempts: 0, error: sent.reason, ...(recipients ? { recipients } : {}) };
      }
      outcome = { channel, status: "undeliverable", attempts: 0, error: sent.reason };
    } else {
      outcome = { channel, status: statusOf(sent), attempts: sent.attempts, ...(sent.error ? { error: sent.error } : {}) };
    }
  } catch (error) {
    // The channels report failures as data; this is the store or the pacer failing: let a later delivery try again.
    await deps.store.release(message.id, channel).catch(() => undefined);
    throw error;
  }
  if (recipients) outcome.recipients = recipients;
  await deps.store.settle(message.id, channel, {
    status: outcome.status as DeliveryStatus,
    claimedAt: deps.now().toISOString(),
    attempts: outcome.attempts,
    ...(outcome.error ? { error: outcome.error } : {}),
  });
  return record(message, deps, outcome);
}

/** The audit record of one channel's delivery: one per message and channel (its id says which). */
export function deliveryRecord(message: Notification, outcome: ChannelOutcome, at: Date, trigger: AuditRecord["trigger"]): AuditRecord {
  const to = outcome.recipients && outcome.recipients.length > 0 ? ` to ${outcome.recipients.join(", ")}` : "";
  const reason = `${message.kind} "${message.title}" by ${outcome.channel}${to}: ${describeOutcome(outcome)}`;
  return {
    id: `${message.id}:delivery:${outcome.channel}`,
    at: at.toISOString(),
    kind: "notice",
    action: "deliver",
    reason: reason.length > 8000 ? `${reason.slice(0, 7997)}...` : reason,
    trigger,
    actor: GOVERNOR_ACTOR,
    outcome: outcome.status === "delivered" ? "applied" : "failed",
    details: {
      messageId: message.id,
      kind: message.kind,
      channel: outcome.channel,
      status: outcome.status,
      attempts: outcome.attempts,
      recipients: outcome.recipients ?? [],
      error: outcome.error ?? null,
    },
  };
}

async function record(message: Notification, deps: DeliveryDependencies, outcome: ChannelOutcome): Promise<ChannelOutcome> {
  await deps.trail.append([deliveryRecord(message, outcome, deps.now(), deps.trigger)]);
  return outcome;
}

/** One line for a log or a result: how each channel went. */
export function describeDelivery(report: DeliveryReport): string {
  if (report.channels.length === 0) return "no Teams webhook or email configured: in the audit trail only";
  return report.channels
    .map((outcome) =>
      outcome.status === "already-sent"
        ? `${outcome.channel}: sent before`
        : outcome.status === "held"
          ? `${outcome.channel}: held (${outcome.error ?? ""})`
          : `${outcome.channel}: ${describeOutcome(outcome)}`,
    )
    .join("; ");
}
