/** Helpers the remediation tests share: a request as a workflow builds it, and the error a call fails with. */
import type { PolicySet } from "../../shared/policy/types.ts";
import type { RemediationRequest } from "../../shared/remediation/index.ts";

/** The request a timer-triggered workflow of `policy` sends for one resource, its action as the policy file says it. */
export function remediationRequest(
  set: PolicySet,
  policy: string,
  resourceId: string,
  extra: Partial<RemediationRequest> = {},
): RemediationRequest {
  const action = set.policies.find((candidate) => candidate.name === policy)?.action;
  if (!action) throw new Error(`no policy ${policy}`);
  return {
    policy,
    action,
    resourceId,
    instanceId: `${policy}:${resourceId.split("/").at(-1) ?? ""}`,
    trigger: { type: "timer" },
    ...extra,
  };
}

/** The error a call fails with (RestError: statusCode, code, message); a call that succeeds fails the test. */
export async function failureOf(call: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await call;
  } catch (error) {
    return error as { statusCode?: number; code?: string; message: string };
  }
  throw new Error("expected the call to fail");
}
