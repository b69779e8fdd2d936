/** Errors in Azure Resource Manager's shape: `{"error":{"code","message"}}`. */
export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const notFound = (resourceId: string): ArmError =>
  new ArmError(404, "ResourceNotFound", `The Resource '${resourceId}' was not found.`);

export const resourceGroupNotFound = (name: string): ArmError =>
  new ArmError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`);

export const badRequest = (message: string, code = "InvalidRequestContent"): ArmError => new ArmError(400, code, message);

export const conflict = (message: string, code = "Conflict"): ArmError => new ArmError(409, code, message);
