// The errors of the local Step Functions endpoint, in the AWS JSON 1.0 error shape
// (`{"__type": code, "message": …}`); the SDK turns `__type` into the exception name.

/** Every error code the endpoint returns, with its HTTP status (as AWS Step Functions does). */
export const SFN_ERROR_STATUS = {
  ValidationException: 400,
  SerializationException: 400,
  UnknownOperationException: 400,
  InvalidArn: 400,
  InvalidName: 400,
  InvalidExecutionInput: 400,
  InvalidOutput: 400,
  InvalidToken: 400,
  ExecutionAlreadyExists: 400,
  ExecutionDoesNotExist: 400,
  StateMachineDoesNotExist: 400,
  TaskDoesNotExist: 400,
  TaskTimedOut: 400,
  RequestEntityTooLarge: 413,
  InternalFailure: 500,
} as const;
export type SfnErrorCode = keyof typeof SFN_ERROR_STATUS;

export class SfnApiError extends Error {
  readonly code: SfnErrorCode;
  readonly status: number;
  constructor(code: SfnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SfnApiError";
    this.code = code;
    this.status = SFN_ERROR_STATUS[code];
  }
  toBody(): { __type: SfnErrorCode; message: string } {
    return { __type: this.code, message: this.message };
  }
}
