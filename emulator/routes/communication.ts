/**
 * Azure Communication Services Email, data plane: `POST {endpoint}/emails:send` answers 202 with
 * `Operation-Location` (the send is a long-running operation) and `GET
 * {endpoint}/emails/operations/{id}` reports `Running` then `Succeeded`. Requests are signed with
 * the resource's access key (HMAC), not an ARM bearer token.
 */
import { ArmError, badRequest } from "../errors.ts";
import type { RouteDefinition } from "../router.ts";

interface Address {
  address?: unknown;
}

function addresses(list: unknown, field: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw badRequest(`recipients.${field} must be an array`);
  return list.map((item: Address) => {
    if (typeof item?.address !== "string" || !/^[^\s@]+@[^\s@]+$/.test(item.address))
      throw badRequest(`recipients.${field}: every entry needs a valid address`);
    return item.address;
  });
}

export function communicationRoutes(): RouteDefinition[] {
  return [
    {
      method: "POST",
      pattern: "/emails:send",
      name: "communication.emails.send",
      authentication: "hmac",
      outsideArm: true,
      handler: ({ core, body, baseUrl, query, headers }) => {
        const message = body as Record<string, unknown> | undefined;
        if (!message || typeof message !== "object") throw badRequest("the body must be an email message");
        const content = message.content as { subject?: unknown; plainText?: unknown; html?: unknown } | undefined;
        const recipients = message.recipients as { to?: unknown; cc?: unknown; bcc?: unknown } | undefined;
        if (typeof message.senderAddress !== "string" || message.senderAddress === "") throw badRequest("senderAddress is required");
        if (typeof content?.subject !== "string" || content.subject === "") throw badRequest("content.subject is required");
        if (typeof content.plainText !== "string" && typeof content.html !== "string") throw badRequest("content needs plainText or html");
        const to = addresses(recipients?.to, "to");
        const cc = addresses(recipients?.cc, "cc");
        const bcc = addresses(recipients?.bcc, "bcc");
        if (to.length + cc.length + bcc.length === 0) throw badRequest("recipients needs at least one address");
        if (to.length + cc.length + bcc.length > 50) throw badRequest("at most 50 recipients per message");
        const requested = headers["operation-id"];
        const operationId = core.email.accept(
          {
            at: core.nowIso(),
            senderAddress: message.senderAddress,
            to,
            cc,
            bcc,
            subject: content.subject,
            ...(typeof content.plainText === "string" ? { plainText: content.plainText } : {}),
            ...(typeof content.html === "string" ? { html: content.html } : {}),
            body: message,
          },
          typeof requested === "string" && requested !== "" ? requested : undefined,
        );
        return {
          status: 202,
          body: { id: operationId, status: "Running" },
          headers: { "Operation-Location": `${baseUrl}/emails/operations/${operationId}?api-version=${query.get("api-version") ?? ""}` },
        };
      },
    },
    {
      method: "GET",
      pattern: "/emails/operations/{operationId}",
      name: "communication.emails.operation",
      authentication: "hmac",
      outsideArm: true,
      handler: ({ core, params }) => {
        const status = core.email.poll(params.operationId as string);
        if (status === undefined) throw new ArmError(404, "NotFound", `No email operation ${params.operationId}.`);
        return { status: 200, body: { id: params.operationId, status } };
      },
    },
  ];
}
