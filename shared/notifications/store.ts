/**
 * What notifications keep in Table Storage (one table, `GovernorNotifications`):
 *
 * - a claim per message and channel (PartitionKey `sent`, RowKey a hash of both): inserting it is
 *   the one step that decides who sends, so a redelivered activity or a timer that fires twice
 *   sends once; the row then holds how the delivery went;
 * - the email sends of the last hours (PartitionKey `email-send`, RowKey the time and a hash):
 *   what the quota pacer counts, across instances and restarts;
 * - what owners were told about each finding (PartitionKey `owner-finding`, RowKey a hash of
 *   policy, resource and recipient): when, and a fingerprint of the finding, for reminders;
 * - small states (PartitionKey `state`): the kill switch as last seen, the days whose owners'
 *   notices are all out.
 */
import { createHash } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { appTableClient, oncePerStorageSetting, tableCreatedOnce } from "../azure/tables.ts";

export const NOTIFICATIONS_TABLE = "GovernorNotifications";

export type DeliveryStatus = "delivered" | "failed" | "undeliverable";

export interface ChannelClaim {
  status: "sending" | DeliveryStatus;
  claimedAt: string;
  attempts?: number;
  error?: string;
}

export interface OwnerFindingState {
  sentAt: string;
  fingerprint: string;
}

const hash = (...parts: string[]): string => createHash("sha256").update(parts.join("\n"), "utf8").digest("hex");
const statusOf = (error: unknown): number | undefined => (error as { statusCode?: number })?.statusCode;
/** A claim still `sending` after this long was left by a crash: the next delivery takes it over. */
const STALE_CLAIM_MS = 10 * 60_000;

export class NotificationStore {
  readonly client: TableClient;

  /** Creates the table on first use (again after a failure). */
  readonly #table: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.#table = tableCreatedOnce(client);
  }

  async #get<T extends object>(partitionKey: string, rowKey: string): Promise<(T & { etag: string }) | undefined> {
    await this.#table();
    try {
      return await this.client.getEntity<T>(partitionKey, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Claims the delivery of a message on a channel: `claimed` when this call may send, otherwise
   * the claim that exists (sent before, or in flight elsewhere). A claim left `sending` by a
   * crash is taken over once it is stale.
   */
  async claim(messageId: string, channel: string, at: Date): Promise<{ claimed: true } | { claimed: false; existing: ChannelClaim }> {
    await this.#table();
    const rowKey = hash(messageId, channel);
    const entity = { partitionKey: "sent", rowKey, messageId, channel, status: "sending", claimedAt: at.toISOString() };
    try {
      await this.client.createEntity(entity);
      return { claimed: true };
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const existing = await this.#get<ChannelClaim>("sent", rowKey);
    if (existing === undefined) return this.claim(messageId, channel, at);
    if (existing.status === "sending" && at.getTime() - Date.parse(existing.claimedAt) > STALE_CLAIM_MS) {
      try {
        await this.client.updateEntity(entity, "Replace", { etag: existing.etag });
        return { claimed: true };
      } catch (error) {
        if (statusOf(error) !== 412) throw error;
      }
    }
    return { claimed: false, existing };
  }

  async settle(messageId: string, channel: string, result: ChannelClaim): Promise<void> {
    await this.#table();
    await this.client.upsertEntity({ partitionKey: "sent", rowKey: hash(messageId, channel), messageId, channel, ...result }, "Replace");
  }

  async claimOf(messageId: string, channel: string): Promise<ChannelClaim | undefined> {
    return this.#get<ChannelClaim>("sent", hash(messageId, channel));
  }

  /** Gives a claim back (the message was held by the pacer, not sent): a later run sends it. */
  async release(messageId: string, channel: string): Promise<void> {
    await this.#table();
    try {
      await this.client.deleteEntity("sent", hash(messageId, channel));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async logEmailSend(at: Date, messageId: string): Promise<void> {
    await this.#table();
    await this.client.upsertEntity({ partitionKey: "email-send", rowKey: `${at.toISOString()}|${hash(messageId)}`, messageId });
  }

  /** Times of the email sends since an instant, oldest first. */
  async emailSendsSince(since: Date): Promise<Date[]> {
    await this.#table();
    const times: Date[] = [];
    const filter = odata`PartitionKey eq 'email-send' and RowKey ge ${since.toISOString()}`;
    for await (const entity of this.client.listEntities<{ rowKey: string }>({ queryOptions: { filter, select: ["RowKey"] } }))
      times.push(new Date(String(entity.rowKey).split("|")[0] as string));
    return times.sort((a, b) => a.getTime() - b.getTime());
  }

  async ownerFinding(key: { policy: string; resourceId: string; recipient: string }): Promise<OwnerFindingState | undefined> {
    return this.#get<OwnerFindingState>("owner-finding", hash(key.policy, key.resourceId.toLowerCase(), key.recipient.toLowerCase()));
  }

  async recordOwnerFinding(key: { policy: string; resourceId: string; recipient: string }, state: OwnerFindingState): Promise<void> {
    await this.#table();
    await this.client.upsertEntity(
      {
        partitionKey: "owner-finding",
        rowKey: hash(key.policy, key.resourceId.toLowerCase(), key.recipient.toLowerCase()),
        policy: key.policy,
        resourceId: key.resourceId,
        recipient: key.recipient,
        ...state,
      },
      "Replace",
    );
  }

  /** Every finding owners were told about, to forget those that were resolved. */
  async ownerFindings(): Promise<Array<{ policy: string; resourceId: string; recipient: string } & OwnerFindingState>> {
    await this.#table();
    const rows: Array<{ policy: string; resourceId: string; recipient: string } & OwnerFindingState> = [];
    const filter = odata`PartitionKey eq 'owner-finding'`;
    for await (const entity of this.client.listEntities<{ policy: string; resourceId: string; recipient: string } & OwnerFindingState>({
      queryOptions: { filter },
    }))
      rows.push({
        policy: entity.policy,
        resourceId: entity.resourceId,
        recipient: entity.recipient,
        sentAt: entity.sentAt,
        fingerprint: entity.fingerprint,
      });
    return rows;
  }

  async forgetOwnerFinding(key: { policy: string; resourceId: string; recipient: string }): Promise<void> {
    await this.#table();
    try {
      await this.client.deleteEntity("owner-finding", hash(key.policy, key.resourceId.toLowerCase(), key.recipient.toLowerCase()));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async state(name: string): Promise<string | undefined> {
    return (await this.#get<{ value: string }>("state", name))?.value;
  }

  async setState(name: string, value: string): Promise<void> {
    await this.#table();
    await this.client.upsertEntity({ partitionKey: "state", rowKey: name, value }, "Replace");
  }
}

/** The store of the app's storage, opened once per process and storage setting. */
export const appNotificationStore = oncePerStorageSetting(
  async (env) => new NotificationStore(await appTableClient(env, NOTIFICATIONS_TABLE, "the notifications store")),
);
