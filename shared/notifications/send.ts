/**
 * Sending one notification from an activity or a timer with the app's settings: its channels, the
 * notifications store of the app's storage, the audit trail given. A message that cannot be sent
 * because the store itself is down is logged and reported, never thrown: an alert must not fail
 * the workflow it reports on (the workflow's own records are in the trail already).
 */
import { platformOf } from "../platform.ts";
import type { AuditRecord } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import { now } from "../clock.ts";
import type { GovernorConfig } from "../config.ts";
import { channelsFromConfig, type DeliveryReport, deliverNotification, describeDelivery } from "./deliver.ts";
import type { Notification } from "./message.ts";
import { appNotificationStore } from "./store.ts";

export async function sendNotification(
  message: Notification,
  context: { config: GovernorConfig; trail: AuditTrail; trigger: AuditRecord["trigger"] },
): Promise<{ report?: DeliveryReport; summary: string }> {
  try {
    const report = await deliverNotification(message, {
      channels: channelsFromConfig(context.config),
      store: await appNotificationStore(),
      trail: context.trail,
      now,
      retry: platformOf(context.config).notificationRetry,
      trigger: context.trigger,
    });
    return { report, summary: describeDelivery(report) };
  } catch (error) {
    const summary = `${message.kind} ${message.id} not sent: ${(error as Error).message}`;
    console.warn(`notifications: ${summary}`);
    return { summary };
  }
}
