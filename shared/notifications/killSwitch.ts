/**
 * The kill switch is an app setting: turning it on or off restarts the app, and nothing calls
 * Governor. So the sweeps timer (every five minutes) compares the setting with the state it last
 * recorded and alerts on a change. The alert's id names the change (the new state and when the
 * previous one was recorded): a run that dies between alerting and recording alerts once.
 */
import type { AuditTrail } from "../audit/trail.ts";
import type { GovernorConfig } from "../config.ts";
import { killSwitchAlert } from "./alerts.ts";
import { sendNotification } from "./send.ts";
import type { NotificationStore } from "./store.ts";

export interface KillSwitchCheck {
  state: "on" | "off";
  /** Set when the state changed since the last check and people were told. */
  alerted?: string;
}

export async function checkKillSwitch(
  config: GovernorConfig,
  store: NotificationStore,
  trail: AuditTrail,
  at: Date,
): Promise<KillSwitchCheck> {
  const state = config.killSwitch ? "on" : "off";
  const recorded = await store.state("kill-switch");
  const [last, since = "never"] = (recorded ?? "").split("|");
  if (last === state) return { state };
  const result: KillSwitchCheck = { state };
  // First sight of the switch off is how every deployment starts: nothing to tell.
  if (recorded !== undefined || state === "on") {
    const alert = { ...killSwitchAlert(state === "on", at), id: `alert:kill-switch:${state}:after:${since}` };
    result.alerted = (await sendNotification(alert, { config, trail, trigger: { type: "timer", id: "sweeps" } })).summary;
  }
  await store.setState("kill-switch", `${state}|${at.toISOString()}`);
  return result;
}
