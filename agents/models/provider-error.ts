import { FactoryError } from "#core/errors.ts";

/**
 * One provider call failed (HTTP error, timeout, network, missing key, no replay recording).
 * The router falls back to the next allowed model; when none is left it raises ModelError.
 * `status` is the HTTP status when there was one.
 */
export class ProviderError extends FactoryError {
  readonly status: number | undefined;
  constructor(
    message: string,
    options: { status?: number; cause?: unknown; context?: Record<string, unknown> },
  ) {
    super(message, options);
    this.status = options.status;
  }
}
