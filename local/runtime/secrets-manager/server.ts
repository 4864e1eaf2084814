// The local Secrets Manager endpoint: the AWS JSON 1.1 protocol (`X-Amz-Target:
// secretsmanager.<Operation>`) over node:http, so the unchanged @aws-sdk/client-secrets-manager
// (and Powertools' SecretsProvider over it) talks to it through `endpoint` or
// AWS_ENDPOINT_URL_SECRETS_MANAGER. Versions and staging labels behave as in AWS: a new value
// becomes AWSCURRENT, the value it replaces AWSPREVIOUS, the one before loses its labels. State is
// persisted in one owner-only JSON file of the data dir (values included, like secrets.json).
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname } from "node:path";
import { z } from "zod";
import { formatPath } from "#core/validation.ts";
import { listenOn } from "#local/runtime/listen.ts";

export const LOCAL_SECRETS_REGION = "us-east-1";
export const LOCAL_SECRETS_ACCOUNT = "000000000000";
const CONTENT_TYPE = "application/x-amz-json-1.1";
const MAX_BODY_BYTES = 1_048_576;
/** AWS caps a secret value at 64 KiB. */
const MAX_VALUE_BYTES = 65_536;

const ERROR_STATUS = {
  ResourceNotFoundException: 400,
  ResourceExistsException: 400,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ValidationException: 400,
  SerializationException: 400,
  UnknownOperationException: 400,
  InternalServiceError: 500,
} as const;
type ErrorCode = keyof typeof ERROR_STATUS;

export class SecretsApiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SecretsApiError";
    this.code = code;
  }
}

interface StoredVersion {
  id: string;
  value: string;
  stages: string[];
  created: number;
}
interface StoredSecret {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  created: number;
  changed: number;
  versions: StoredVersion[];
}
interface StoreFile {
  secrets: StoredSecret[];
}

const Name = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { message: "must be 1-512 of A-Z a-z 0-9 /_+=.@-" });
const SecretId = z.string().min(1).max(2048);
const Token = z.string().min(32).max(64).optional();
const Value = z.string().refine((v) => Buffer.byteLength(v) <= MAX_VALUE_BYTES, {
  message: `must be at most ${MAX_VALUE_BYTES} bytes`,
});
const ops = {
  CreateSecret: z.looseObject({
    Name,
    SecretString: Value.optional(),
    Description: z.string().max(2048).optional(),
    KmsKeyId: z.string().max(2048).optional(),
    ClientRequestToken: Token,
  }),
  PutSecretValue: z.looseObject({ SecretId, SecretString: Value, ClientRequestToken: Token }),
  GetSecretValue: z.looseObject({
    SecretId,
    VersionId: z.string().min(32).max(64).optional(),
    VersionStage: z.string().min(1).max(256).optional(),
  }),
  DescribeSecret: z.looseObject({ SecretId }),
  ListSecrets: z.looseObject({
    MaxResults: z.number().int().min(1).max(100).optional(),
    NextToken: z.string().max(4096).optional(),
  }),
} as const;
type Op = keyof typeof ops;

export interface StartLocalSecretsManagerOptions {
  /** The JSON file secrets are persisted in (created 0600). */
  file: string;
  host?: string;
  port?: number;
}

export interface LocalSecretsManager {
  endpoint: string;
  close(): Promise<void>;
}

const seconds = (ms: number) => ms / 1000;

function load(file: string): StoreFile {
  if (!existsSync(file)) return { secrets: [] };
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StoreFile;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: restore it or move it away to start empty`, { cause: err });
  }
}

export async function startLocalSecretsManager(
  options: StartLocalSecretsManagerOptions,
): Promise<LocalSecretsManager> {
  const state = load(options.file);
  const persist = () => {
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    const tmp = `${options.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, options.file);
  };

  /** By name, full ARN, or ARN without the random suffix (as AWS resolves them). */
  const find = (id: string): StoredSecret => {
    const s = state.secrets.find((x) => x.name === id || x.arn === id || x.arn.slice(0, -7) === id);
    if (s === undefined) {
      throw new SecretsApiError(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
      );
    }
    return s;
  };
  const stagesOf = (s: StoredSecret) =>
    Object.fromEntries(s.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages]));
  const describe = (s: StoredSecret) => ({
    ARN: s.arn,
    Name: s.name,
    ...(s.description === undefined ? {} : { Description: s.description }),
    ...(s.kmsKeyId === undefined ? {} : { KmsKeyId: s.kmsKeyId }),
    CreatedDate: seconds(s.created),
    LastChangedDate: seconds(s.changed),
    VersionIdsToStages: stagesOf(s),
  });
  /** AWS semantics: the new version is AWSCURRENT, the old current AWSPREVIOUS, older ones unlabelled. */
  const addVersion = (s: StoredSecret, value: string, token: string | undefined): StoredVersion => {
    const id = token ?? randomUUID();
    const existing = s.versions.find((v) => v.id === id);
    if (existing !== undefined) {
      if (existing.value === value) return existing;
      throw new SecretsApiError(
        "ResourceExistsException",
        `You can't modify an existing version, you can only create a new version (ClientRequestToken ${id} has another value).`,
      );
    }
    for (const v of s.versions) {
      v.stages = v.stages.filter((st) => st !== "AWSPREVIOUS");
      if (v.stages.includes("AWSCURRENT"))
        v.stages = [...v.stages.filter((st) => st !== "AWSCURRENT"), "AWSPREVIOUS"];
    }
    const version = { id, value, stages: ["AWSCURRENT"], created: Date.now() };
    // Versions without a label are deprecated and removed, as AWS eventually does.
    s.versions = [...s.versions.filter((v) => v.stages.length > 0), version];
    s.changed = version.created;
    return version;
  };

  const handlers: { [K in Op]: (body: z.infer<(typeof ops)[K]>) => unknown } = {
    CreateSecret(b) {
      if (state.secrets.some((s) => s.name === b.Name)) {
        throw new SecretsApiError(
          "ResourceExistsException",
          `The operation failed because the secret ${b.Name} already exists.`,
        );
      }
      const now = Date.now();
      const suffix = randomBytes(6).toString("base64url").replace(/[-_]/g, "x").slice(0, 6);
      const s: StoredSecret = {
        name: b.Name,
        arn: `arn:aws:secretsmanager:${LOCAL_SECRETS_REGION}:${LOCAL_SECRETS_ACCOUNT}:secret:${b.Name}-${suffix}`,
        ...(b.Description === undefined ? {} : { description: b.Description }),
        ...(b.KmsKeyId === undefined ? {} : { kmsKeyId: b.KmsKeyId }),
        created: now,
        changed: now,
        versions: [],
      };
      const version =
        b.SecretString === undefined ? undefined : addVersion(s, b.SecretString, b.ClientRequestToken);
      state.secrets.push(s);
      persist();
      return { ARN: s.arn, Name: s.name, ...(version === undefined ? {} : { VersionId: version.id }) };
    },
    PutSecretValue(b) {
      const s = find(b.SecretId);
      const version = addVersion(s, b.SecretString, b.ClientRequestToken);
      persist();
      return { ARN: s.arn, Name: s.name, VersionId: version.id, VersionStages: version.stages };
    },
    GetSecretValue(b) {
      const s = find(b.SecretId);
      const stage = b.VersionStage ?? (b.VersionId === undefined ? "AWSCURRENT" : undefined);
      const version = s.versions.find(
        (v) =>
          (b.VersionId === undefined || v.id === b.VersionId) &&
          (stage === undefined || v.stages.includes(stage)),
      );
      if (version === undefined) {
        throw new SecretsApiError(
          "ResourceNotFoundException",
          b.VersionId === undefined
            ? `Secrets Manager can't find the specified secret value for staging label: ${stage}`
            : `Secrets Manager can't find the specified secret value for VersionId: ${b.VersionId}`,
        );
      }
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: version.stages,
        CreatedDate: seconds(version.created),
      };
    },
    DescribeSecret(b) {
      return describe(find(b.SecretId));
    },
    ListSecrets(b) {
      const offset =
        b.NextToken === undefined ? 0 : Number.parseInt(Buffer.from(b.NextToken, "base64url").toString(), 10);
      if (!Number.isInteger(offset) || offset < 0) {
        throw new SecretsApiError(
          "InvalidParameterException",
          "NextToken is not a token this endpoint issued",
        );
      }
      const size = b.MaxResults ?? 100;
      const all = [...state.secrets].sort((x, y) => x.name.localeCompare(y.name));
      const slice = all.slice(offset, offset + size);
      return {
        SecretList: slice.map(describe),
        ...(offset + size < all.length
          ? { NextToken: Buffer.from(String(offset + size)).toString("base64url") }
          : {}),
      };
    },
  };

  const dispatch = (target: string | undefined, raw: string): unknown => {
    const op = target?.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : undefined;
    if (op === undefined || !Object.hasOwn(ops, op)) {
      throw new SecretsApiError(
        "UnknownOperationException",
        `unknown operation ${JSON.stringify(target ?? null)}`,
      );
    }
    let body: unknown;
    try {
      body = raw === "" ? {} : JSON.parse(raw);
    } catch (err) {
      throw new SecretsApiError(
        "SerializationException",
        `request body is not JSON: ${(err as Error).message}`,
      );
    }
    const parsed = ops[op as Op].safeParse(body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
      throw new SecretsApiError("ValidationException", `${op}: ${detail}`);
    }
    return (handlers[op as Op] as (b: unknown) => unknown)(parsed.data);
  };

  const send = (res: ServerResponse, status: number, payload: unknown, errorType?: string) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      "content-type": CONTENT_TYPE,
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(errorType === undefined ? {} : { "x-amzn-errortype": errorType }),
    });
    res.end(text);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        if (size > MAX_BODY_BYTES)
          throw new SecretsApiError(
            "InvalidRequestException",
            `request body exceeds ${MAX_BODY_BYTES} bytes`,
          );
        if (req.method !== "POST")
          throw new SecretsApiError("UnknownOperationException", "only POST is supported");
        const target = req.headers["x-amz-target"];
        send(
          res,
          200,
          dispatch(Array.isArray(target) ? target[0] : target, Buffer.concat(chunks).toString("utf8")),
        );
      } catch (err) {
        const e =
          err instanceof SecretsApiError
            ? err
            : new SecretsApiError("InternalServiceError", "internal error", { cause: err });
        // AWS's shape: `__type` (the SDK's exception name) and `Message`; never a secret value.
        send(res, ERROR_STATUS[e.code], { __type: e.code, Message: e.message }, e.code);
      }
    });
  };

  const server = createServer(onRequest);
  const { endpoint } = await listenOn(server, options);
  let closed = false;
  return {
    endpoint,
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
