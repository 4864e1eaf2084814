// Credentials this product sees in issues and logs that neither gitleaks' defaults nor
// secretlint's preset name (or name only in files with a known path): AWS session tokens, GCP
// service-account JSON, Azure storage keys, database connection strings, HTTP Authorization and
// curl credentials, session cookies, and high-entropy values under secret-like names.
// Values run to the end of the token (or line): no length cap.
import { isSecretValue } from "../sensitive-name.ts";
import { shannonEntropy } from "./entropy.ts";
import type { TokenRule } from "./types.ts";

/** `Basic <base64(user:password)>`: decodes to printable text with a colon. */
function isBasicCredential(b64: string): boolean {
  const decoded = Buffer.from(b64, "base64").toString("latin1");
  return decoded.includes(":") && decoded.length >= 3 && /^[\x20-\x7e]+$/.test(decoded);
}

const REFERENCE = /^(?:\$|%\(|\{\{|#\{|<[^>]*>$)/;
/** Password words gitleaks' curl-auth-user allowlist treats as placeholders. */
const PLACEHOLDER_PASSWORD = /^(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\*+|x+|\$.*|\{\{.*|<.*>)$/i;

function isCurlPassword(password: string): boolean {
  return password.length >= 3 && !PLACEHOLDER_PASSWORD.test(password);
}

const hasDigit = (s: string): boolean => /[0-9]/.test(s);

// Names that contain a generic keyword but are not secrets (after gitleaks' generic allowlist).
const NOT_SECRET_NAME =
  /(?:author|authent|authori[sz]ation_?(?:url|endpoint|code_?url)|accessib|accessor|access_?(?:id|level|log|mode|type|control|time)|api_?(?:version|url|base|host|endpoint|name|id|path|prefix)|keyboard|keyword|keyframe|keyspace|keystore_?(?:path|type)|key_?(?:id|name|type|path|file|size|usage|length|alias|vault_?name)|(?:primary|foreign|sort|partition|cache|idempotency|public|hash|row|routing|dedupe?(?:lication)?|object|map|dict|lookup|shard)_?key|token_?(?:count|type|url|endpoint|limit|usage|ttl|expir\w*)|max_?tokens|tokeni[sz]er|monkey|turkey|hockey|jockey|donkey|whiskey|passwd_?file|password_?(?:hash|policy|length|file|reset\w*|field|prompt))/i;
/** Values that are identifiers rather than secrets: hashes, UUIDs, ULIDs, versions, dates, paths. */
const NOT_SECRET_VALUE =
  /^(?:(?:sha(?:1|224|256|384|512)|md5|blake2b?)[:/_-][0-9a-f]{16,128}|[0-9a-f]{7,12}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26}|v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?|\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?|[A-Za-z_.-]+|[\d.]+|(?:\w+\.)+(?:ts|js|json|ya?ml|md|py|go|rb|java|txt|log|conf|cfg|ini|toml|xml|html|css|sh))$/i;

function isGenericSecret(secret: string, m: RegExpExecArray): boolean {
  const line = m.input;
  // The whole name the keyword belongs to: back to the start of the identifier.
  let start = m.index;
  while (start > 0 && /[\w.-]/.test(line[start - 1] ?? "")) start--;
  const name = line.slice(start, m.index + m[0].length - secret.length);
  if (NOT_SECRET_NAME.test(name)) return false;
  if (NOT_SECRET_VALUE.test(secret) || !isSecretValue(secret, false, "")) return false;
  // A lower-case word list joined by separators (`my-feature-branch`) is prose, not a key.
  if (!hasDigit(secret) && shannonEntropy(secret) < 4) return false;
  return true;
}

export const PRODUCT_RULES: readonly TokenRule[] = [
  {
    family: "aws_session_token",
    source: "pf:aws-session-token (named)",
    regex: String.raw`(?i)(?:aws_?session_?token|aws_?security_?token|x-amz-security-token|"?sessiontoken"?)["']?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}["']?([A-Za-z0-9/+=%]{16,})`,
    keywords: ["session_token", "sessiontoken", "security_token", "securitytoken", "security-token"],
    example: "aws_session_token = IQoJb3JpZ2luX2Vj… (any length)",
  },
  {
    family: "aws_session_token",
    source: "pf:aws-session-token (STS prefix)",
    regex: String.raw`(?<![A-Za-z0-9/+=])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{40,}`,
    keywords: ["iqojb3jpz2lux2vj", "fwogzxivyxdz", "fqogzxivyxdz"],
    example: "IQoJb3JpZ2luX2Vj… / FwoGZXIvYXdz… (STS session token, 400–1000+ chars)",
  },
  {
    family: "gcp_service_account",
    source: "pf:gcp-service-account-json (private_key_id)",
    regex: String.raw`"private_key_id"[ \t]*:[ \t]*"([^"\n]{8,})"`,
    keywords: ["private_key_id"],
    example: '"private_key_id": "<40 hex>"',
  },
  {
    family: "gcp_service_account",
    source: "pf:gcp-service-account-json (private_key)",
    regex: String.raw`"private_key"[ \t]*:[ \t]*"([^"\n]+)"`,
    keywords: ['"private_key"'],
    example: '"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE…" (whole value)',
    check: (s) => !REFERENCE.test(s),
  },
  {
    family: "azure_storage_key",
    source: "pf:azure-storage-connection-string",
    regex: String.raw`(?i)(?:AccountKey|SharedAccessKey|SharedSecretValue)[ \t]*=[ \t]*([A-Za-z0-9+/]{20,}={0,2})`,
    keywords: ["accountkey", "sharedaccesskey", "sharedsecretvalue"],
    example: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=<88 base64>;…",
  },
  {
    family: "azure_storage_key",
    source: "pf:azure-sas-signature",
    regex: String.raw`[?&]sig=([A-Za-z0-9%+/=]{20,})`,
    keywords: ["sig="],
    example: "https://x.blob.core.windows.net/c?sv=…&sig=<url-encoded base64>",
  },
  {
    family: "azure_storage_key",
    source: "pf:azure-storage-key (named)",
    regex: String.raw`(?i)azure[\w.-]{0,30}key["']?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}["']?([A-Za-z0-9+/]{86}==)`,
    keywords: ["azure"],
    example: "AZURE_STORAGE_KEY=<86 base64>==",
  },
  {
    family: "database_connection_string",
    source: "pf:database-url (userinfo; secretlint database-connection-string)",
    regex: String.raw`(?i)\b(?:jdbc:)?(?:postgres(?:ql)?|mysqlx?|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|oracle):\/\/([^\s:/@"'<>]{0,100}:[^\s/"'<>]{1,256})@[A-Za-z0-9[]`,
    keywords: [
      "postgres",
      "mysql",
      "mariadb",
      "mongodb",
      "redis",
      "amqp",
      "mssql",
      "sqlserver",
      "cockroachdb",
      "clickhouse",
      "oracle",
    ],
    example: "postgres://app:<password>@db:5432/app, mongodb+srv://u:<p>@cluster/…",
  },
  {
    family: "database_connection_string",
    source: "pf:database-connection-string (key=value password)",
    regex: String.raw`(?i)(?:jdbc:[a-z0-9]+:|\b(?:server|data source|host|hostname|address|addr|datasource)=)[^\n]{0,400}?[;?&](?:password|pwd)[ \t]*=[ \t]*("[^"\n]*"|'[^'\n]*'|\{[^}\n]*\}|[^;&\s"']+)`,
    keywords: ["jdbc:", "server=", "data source=", "host=", "hostname=", "address=", "addr=", "datasource="],
    example: "jdbc:sqlserver://h;user=sa;password=<p>, Server=h;User Id=u;Password=<p>;",
  },
  {
    family: "http_authorization",
    source: "pf:authorization-header (gitleaks curl-auth-header, single-line)",
    regex: String.raw`(?i)\b(?:proxy-)?authorization["']?[ \t]{0,4}[:=][ \t]{0,4}["']?(?:basic|bearer|token|digest|negotiate|ntlm|apikey|sso-key|aws4-hmac-sha256)[ \t]{1,4}([^\s"'\x60]+(?:,[ \t]*[A-Za-z]+=[^\s,"'\x60]+)*)`,
    keywords: ["authorization"],
    example: "Authorization: Bearer <token> / Basic <base64> (any length)",
    check: (s) => !REFERENCE.test(s) && !s.startsWith("[REDACTED:"),
  },
  {
    family: "http_authorization",
    source: "pf:basic-credentials (bare `Basic <base64 of user:pass>`)",
    regex: String.raw`(?i)(?<![A-Za-z0-9_-])basic[ \t]{1,4}([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])`,
    keywords: ["basic"],
    example: "Basic dXNlcjpwYXNzd29yZA==",
    check: isBasicCredential,
  },
  {
    family: "http_authorization",
    source: "gitleaks:curl-auth-user (single-line)",
    // The password goes; the user stays readable (and a token used as password keeps its name).
    regex: String.raw`(?:^|[ \t])(?:-u|--user)(?:=|[ \t]{1,5})(?:"[^"\n:]*:([^"\n]+)"|'[^'\n:]*:([^'\n]+)'|[\w$@.{}-]+:([^\s"']+))`,
    keywords: ["-u", "--user"],
    example: "curl -u user:<password> https://…",
    check: isCurlPassword,
  },
  {
    family: "session_cookie",
    source: "pf:session-cookie (well-known names)",
    regex: String.raw`(?i)(?<![\w.-])(?:PHPSESSID|JSESSIONID|ASP\.NET_SessionId|ASPSESSIONID[A-Z]{8}|connect\.sid|laravel_session|_session_id|sessionid|session_id|session|_[a-z0-9]+_session|__(?:Host|Secure)-[\w.-]+)=("?)([^;\s"',]{8,})`,
    keywords: ["sess", "connect.sid", "__host-", "__secure-"],
    secretGroup: 2,
    example: "JSESSIONID=<id>, connect.sid=<id>, _gitlab_session=<id>",
    check: (s) => hasDigit(s) || s.length >= 20,
  },
  {
    family: "session_cookie",
    source: "pf:session-cookie (Cookie / Set-Cookie header)",
    regex: String.raw`(?i)(?:\bcookie[ \t]{0,4}:[ \t]{0,4}|;[ \t]*)([\w.-]*(?:sess|sid|auth|token|jwt|remember|login|csrf|xsrf)[\w.-]*)=([^;\s"',]+)`,
    keywords: ["cookie"],
    secretGroup: 2,
    example: "Cookie: sessionid=<v>; csrftoken=<v>",
    check: (s) => s.length >= 6 && !REFERENCE.test(s),
  },
  {
    family: "generic_secret",
    source: "gitleaks:generic-api-key",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: [
      "access",
      "api",
      "auth",
      "key",
      "credential",
      "creds",
      "passwd",
      "password",
      "secret",
      "token",
    ],
    entropy: 3.5,
    example: "auth_header_prod: 'Zk3q9…' (entropy ≥ 3.5 under a name containing key/token/secret/…)",
    check: isGenericSecret,
  },
];
