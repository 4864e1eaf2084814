// Step Functions calls with capped exponential backoff + full jitter on throttling, 5xx and network
// errors. When retries run out the caller answers 503 + Retry-After: the sender retries later.

import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { sha256Hex } from "#core/hash.ts";
import { isTransientServiceError } from "#core/storage-errors.ts";
import { GatewayError } from "#gateway/errors.ts";
import type { Sleep } from "#gateway/ports.ts";

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Sent as `Retry-After` when retries are exhausted. */
  retryAfterSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  retryAfterSeconds: 5,
};

/** Step Functions execution names: ≤ 80 chars of [A-Za-z0-9_-]; derived from the dedupe key. */
export function executionName(source: string, dedupeKey: string): string {
  return `${source.replace(/[^A-Za-z0-9_-]/g, "")}-${sha256Hex(dedupeKey)}`.slice(0, 80);
}

/** The ARN an execution of `stateMachineArn` named `name` has. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

export interface SfnGatewayOptions {
  client: SFNClient;
  stateMachineArn: string;
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
}

export interface StartResult {
  executionArn: string;
  /** True when an execution with this name already existed (a duplicate delivery). */
  alreadyExisted: boolean;
}

export class SfnGateway {
  readonly stateMachineArn: string;
  readonly #client: SFNClient;
  readonly #retry: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #random: () => number;

  constructor(options: SfnGatewayOptions) {
    this.#client = options.client;
    this.stateMachineArn = options.stateMachineArn;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
  }

  /** Full-jitter backoff: uniform in [0, min(cap, base·2^attempt)). */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** attempt);
    return Math.floor(this.#random() * ceiling);
  }

  async #withRetries<T>(what: string, call: () => Promise<T>): Promise<T> {
    let last: unknown;
    for (let attempt = 0; attempt < this.#retry.attempts; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isTransientServiceError(err)) throw err;
        last = err;
        if (attempt + 1 < this.#retry.attempts) await this.#sleep(this.backoffMs(attempt));
      }
    }
    throw new GatewayError(
      "dependency_unavailable",
      `Step Functions ${what} is unavailable or throttling; retry later`,
      { cause: last, retryAfter: this.#retry.retryAfterSeconds },
    );
  }

  async start(name: string, input: unknown): Promise<StartResult> {
    try {
      const out = await this.#withRetries("StartExecution", () =>
        this.#client.send(
          new StartExecutionCommand({
            stateMachineArn: this.stateMachineArn,
            name,
            input: JSON.stringify(input),
          }),
        ),
      );
      return {
        executionArn: out.executionArn ?? executionArnFor(this.stateMachineArn, name),
        alreadyExisted: false,
      };
    } catch (err) {
      if (
        err instanceof ExecutionAlreadyExists ||
        (err as { name?: string }).name === "ExecutionAlreadyExists"
      ) {
        return { executionArn: executionArnFor(this.stateMachineArn, name), alreadyExisted: true };
      }
      if (err instanceof GatewayError) throw err;
      throw new GatewayError("start_failed", `StartExecution was refused: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    await this.#withRetries("StopExecution", () =>
      this.#client.send(new StopExecutionCommand({ executionArn, error: "CancelledByCommand", cause })),
    );
  }

  async describe(executionArn: string): Promise<DescribeExecutionCommandOutput | undefined> {
    try {
      return await this.#withRetries("DescribeExecution", () =>
        this.#client.send(new DescribeExecutionCommand({ executionArn })),
      );
    } catch (err) {
      if ((err as { name?: string }).name === "ExecutionDoesNotExist") return undefined;
      throw err;
    }
  }

  /** Readiness: the state machine is reachable and exists (no retries: readiness must be fast). */
  async ping(): Promise<void> {
    await this.#client.send(new DescribeStateMachineCommand({ stateMachineArn: this.stateMachineArn }));
  }
}
