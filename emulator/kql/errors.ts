/**
 * Why a query was refused. Resource Graph answers both kinds with 400 `BadRequest` and a detail:
 * `ParserFailure` (with line, position and token) for syntax, a semantic code for the rest.
 */
export type KqlErrorKind = "ParserFailure" | "SemanticError" | "UnsupportedByEmulator";

export interface KqlPosition {
  /** 1-based line of the query text. */
  line: number;
  /** 0-based character position in that line, as Resource Graph reports `characterPositionInLine`. */
  column: number;
}

export class KqlError extends Error {
  readonly kind: KqlErrorKind;
  readonly position: KqlPosition | undefined;
  readonly token: string | undefined;

  constructor(kind: KqlErrorKind, message: string, position?: KqlPosition, token?: string) {
    super(message);
    this.kind = kind;
    this.position = position;
    this.token = token;
  }
}
