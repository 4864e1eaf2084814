// Corpus for the redaction engine: realistic true positives and true negatives per detector.
// Token bodies are generated from a fixed seed, so they have the real shapes (length, alphabet,
// prefixes) without being anyone's credentials. Shared by the tests and the benchmark.
import type { DetectorId } from "#core/contracts/policy.ts";

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64URL = `${BASE62}-_`;
const BASE64 = `${BASE62}+/`;
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX = "0123456789abcdef";

/** Deterministic token characters (xorshift32); `seed` picks the stream. */
export function chars(n: number, alphabet: string, seed: number): string {
  let x = seed | 0 || 1;
  let out = "";
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += alphabet[(x >>> 0) % alphabet.length];
  }
  return out;
}

/** A PEM block whose body starts with the DER/OpenSSH magic real keys have (`MII…`, `b3BlbnNzaC1rZXktdjE…`). */
function pem(kind: string, lines: number, seed: number, magic: string): string {
  const first = magic + chars(64 - magic.length, BASE64, seed);
  const rest = Array.from({ length: lines - 1 }, (_, i) => chars(64, BASE64, seed + i + 1));
  const body = [first, ...rest].join("\n");
  return `-----BEGIN ${kind}-----\n${body}\n${chars(24, BASE64, seed + 99)}==\n-----END ${kind}-----`;
}

function b64url(json: string): string {
  return Buffer.from(json).toString("base64url");
}

export const SECRETS = {
  ghp: `ghp_${chars(36, BASE62, 1)}`,
  gho: `gho_${chars(36, BASE62, 2)}`,
  ghs: `ghs_${chars(36, BASE62, 3)}`,
  githubPat: `github_pat_11${chars(20, UPPER_DIGITS, 4)}_${chars(59, BASE62, 5)}`,
  glpat: `glpat-${chars(20, BASE62, 6)}`,
  glpatRoutable: `glpat-${chars(27, BASE64URL, 7)}.01.${chars(9, BASE62, 8)}`,
  gldt: `gldt-${chars(20, BASE62, 9)}`,
  glrt: `glrt-t1_${chars(24, BASE62, 10)}`,
  glRunnerRegistration: `GR1348941${chars(20, BASE62, 11)}`,
  xoxb: `xoxb-${chars(12, "0123456789", 12)}-${chars(13, "0123456789", 13)}-${chars(24, BASE62, 14)}`,
  xoxp: `xoxp-${chars(12, "0123456789", 15)}-${chars(12, "0123456789", 16)}-${chars(13, "0123456789", 17)}-${chars(32, HEX, 18)}`,
  xapp: `xapp-1-A${chars(10, UPPER_DIGITS, 19)}-${chars(13, "0123456789", 20)}-${chars(64, HEX, 21)}`,
  slackWebhook: `https://hooks.slack.com/services/T${chars(8, UPPER_DIGITS, 22)}/B${chars(10, UPPER_DIGITS, 23)}/${chars(24, BASE62, 24)}`,
  atlassian: `ATATT3xFfGF0${chars(170, BASE64URL, 25)}=${chars(8, "0123456789ABCDEF", 26)}`,
  openaiProject: `sk-proj-${chars(74, BASE64URL, 27)}T3BlbkFJ${chars(74, BASE64URL, 28)}`,
  openaiLegacy: `sk-${chars(20, BASE62, 29)}T3BlbkFJ${chars(20, BASE62, 30)}`,
  openaiService: `sk-svcacct-${chars(58, BASE64URL, 31)}T3BlbkFJ${chars(58, BASE64URL, 32)}`,
  anthropic: `sk-ant-api03-${chars(93, BASE64URL, 33)}AA`,
  anthropicAdmin: `sk-ant-admin01-${chars(93, BASE64URL, 34)}AA`,
  xai: `xai-${chars(80, BASE62, 35)}`,
  google: `AIza${chars(35, BASE64URL, 36)}`,
  awsKeyId: "AKIAIOSFODNN7EXAMPLE",
  awsStsKeyId: `ASIA${chars(16, UPPER_DIGITS, 37)}`,
  awsKeyId2: `AKIA${chars(16, UPPER_DIGITS, 108)}`,
  awsSecret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  awsSecret2: `${chars(20, BASE64, 38)}/${chars(19, BASE64, 39)}`,
  jwt: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890","name":"Jane Doe","iat":1516239022}')}.${chars(43, BASE64URL, 40)}`,
  jwtUnsigned: `${b64url('{"alg":"none"}')}.${b64url('{"sub":"svc-deployer","exp":1900000000}')}.`,
  rsaKey: pem("RSA PRIVATE KEY", 6, 41, "MIIEowIBAAKCAQEA"),
  opensshKey: pem(
    "OPENSSH PRIVATE KEY",
    4,
    51,
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz",
  ),
  ecKey: pem("EC PRIVATE KEY", 3, 61, "MHcCAQEEI"),
  pkcs8Key: pem("PRIVATE KEY", 5, 71, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
  encryptedKey: pem("ENCRYPTED PRIVATE KEY", 3, 81, "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq"),
  pgpKey: pem("PGP PRIVATE KEY BLOCK", 5, 91, "lQdGBGV"),
  urlPassword: `s3cr3t-${chars(10, BASE62, 101)}`,
  dbPassword: `Pg_${chars(14, BASE62, 102)}!`,
  envPassword: `Sup3r${chars(10, BASE62, 103)}#`,
  apiKey: chars(32, HEX, 104),
  clientSecret: chars(40, BASE62, 105),
  bearer: chars(48, BASE64URL, 106),
  webhookSecret: chars(24, BASE62, 107),
} as const;

export interface Positive {
  /** Detector that must report it (the placeholder's id). */
  id: DetectorId;
  text: string;
  /** Strings that must not survive redaction (the secret, or its distinctive parts). */
  secrets: string[];
}

const S = SECRETS;

export const POSITIVES: Positive[] = [
  // private_key
  { id: "private_key", text: `key:\n${S.rsaKey}\nthanks`, secrets: [S.rsaKey.split("\n")[2] ?? ""] },
  {
    id: "private_key",
    text: `\`\`\`\n${S.opensshKey}\n\`\`\``,
    secrets: [S.opensshKey.split("\n")[1] ?? ""],
  },
  { id: "private_key", text: `ec: ${S.ecKey}`, secrets: [S.ecKey.split("\n")[1] ?? ""] },
  { id: "private_key", text: S.pkcs8Key, secrets: [S.pkcs8Key.split("\n")[3] ?? ""] },
  { id: "private_key", text: S.encryptedKey, secrets: [S.encryptedKey.split("\n")[2] ?? ""] },
  { id: "private_key", text: S.pgpKey, secrets: [S.pgpKey.split("\n")[4] ?? ""] },
  {
    id: "private_key",
    text: `{"private_key": "${S.rsaKey.replaceAll("\n", "\\n")}"}`,
    secrets: [S.rsaKey.split("\n")[1] ?? ""],
  },
  {
    id: "private_key",
    text: `truncated paste:\n${S.rsaKey.split("\n").slice(0, 4).join("\n")}\n\nrest of the comment`,
    secrets: [S.rsaKey.split("\n")[1] ?? "", S.rsaKey.split("\n")[3] ?? ""],
  },
  // aws_access_key_id
  { id: "aws_access_key_id", text: `AWS_ACCESS_KEY_ID=${S.awsKeyId}`, secrets: [S.awsKeyId] },
  { id: "aws_access_key_id", text: `{"AccessKeyId": "${S.awsStsKeyId}"}`, secrets: [S.awsStsKeyId] },
  { id: "aws_access_key_id", text: `used key ${S.awsKeyId2} in us-east-1`, secrets: [S.awsKeyId2] },
  // aws_secret_access_key
  {
    id: "aws_secret_access_key",
    text: `[default]\naws_access_key_id = ${S.awsKeyId}\naws_secret_access_key = ${S.awsSecret}\n`,
    secrets: [S.awsSecret, S.awsKeyId],
  },
  { id: "aws_secret_access_key", text: `{"SecretAccessKey": "${S.awsSecret2}"}`, secrets: [S.awsSecret2] },
  {
    id: "aws_secret_access_key",
    text: `export AWS_SECRET_ACCESS_KEY="${S.awsSecret}"`,
    secrets: [S.awsSecret],
  },
  {
    id: "aws_secret_access_key",
    text: `creds: ${S.awsStsKeyId} / ${S.awsSecret2} (expire tonight)`,
    secrets: [S.awsSecret2],
  },
  // github_token
  { id: "github_token", text: `GITHUB_TOKEN=${S.ghp}`, secrets: [S.ghp] },
  { id: "github_token", text: `oauth token ${S.gho}, app token ${S.ghs}.`, secrets: [S.gho, S.ghs] },
  { id: "github_token", text: `gh auth login --with-token <<< ${S.githubPat}`, secrets: [S.githubPat] },
  { id: "github_token", text: `password = "${S.ghp}"`, secrets: [S.ghp] },
  // gitlab_token
  { id: "gitlab_token", text: `PRIVATE-TOKEN: ${S.glpat}`, secrets: [S.glpat] },
  { id: "gitlab_token", text: `new token ${S.glpatRoutable}.`, secrets: [S.glpatRoutable] },
  { id: "gitlab_token", text: `deploy token ${S.gldt} and runner ${S.glrt}`, secrets: [S.gldt, S.glrt] },
  {
    id: "gitlab_token",
    text: `gitlab-runner register --registration-token ${S.glRunnerRegistration}`,
    secrets: [S.glRunnerRegistration],
  },
  // slack_token
  { id: "slack_token", text: `SLACK_BOT_TOKEN=${S.xoxb}`, secrets: [S.xoxb] },
  { id: "slack_token", text: `user token (${S.xoxp})`, secrets: [S.xoxp] },
  { id: "slack_token", text: `app-level token ${S.xapp}`, secrets: [S.xapp] },
  // slack_webhook_url
  {
    id: "slack_webhook_url",
    text: `curl -X POST -d '{"text":"hi"}' ${S.slackWebhook}`,
    secrets: [S.slackWebhook.slice(-24)],
  },
  { id: "slack_webhook_url", text: `[notify](${S.slackWebhook})`, secrets: [S.slackWebhook.slice(-24)] },
  // atlassian_api_token
  {
    id: "atlassian_api_token",
    text: `curl -u bot@example.com:${S.atlassian} https://x.atlassian.net`,
    secrets: [S.atlassian],
  },
  { id: "atlassian_api_token", text: `JIRA token is ${S.atlassian}`, secrets: [S.atlassian] },
  // openai_api_key
  { id: "openai_api_key", text: `OPENAI_API_KEY=${S.openaiProject}`, secrets: [S.openaiProject] },
  { id: "openai_api_key", text: `client = OpenAI(api_key="${S.openaiLegacy}")`, secrets: [S.openaiLegacy] },
  { id: "openai_api_key", text: `service account ${S.openaiService}`, secrets: [S.openaiService] },
  // anthropic_api_key
  { id: "anthropic_api_key", text: `x-api-key: ${S.anthropic}`, secrets: [S.anthropic] },
  { id: "anthropic_api_key", text: `admin key ${S.anthropicAdmin}`, secrets: [S.anthropicAdmin] },
  // xai_api_key
  { id: "xai_api_key", text: `XAI_API_KEY=${S.xai}`, secrets: [S.xai] },
  { id: "xai_api_key", text: `grok key: ${S.xai}`, secrets: [S.xai] },
  // google_api_key
  {
    id: "google_api_key",
    text: `https://maps.googleapis.com/maps/api/geocode/json?key=${S.google}`,
    secrets: [S.google],
  },
  { id: "google_api_key", text: `GEMINI_API_KEY=${S.google}`, secrets: [S.google] },
  // jwt
  { id: "jwt", text: `Authorization: Bearer ${S.jwt}`, secrets: [S.jwt.split(".")[1] ?? ""] },
  { id: "jwt", text: `id_token=${S.jwt}&state=xyz`, secrets: [S.jwt.split(".")[2] ?? ""] },
  { id: "jwt", text: `unsigned ${S.jwtUnsigned} accepted`, secrets: [S.jwtUnsigned.split(".")[1] ?? ""] },
  // url_credentials
  {
    id: "url_credentials",
    text: `git remote add origin https://deploy:${S.urlPassword}@git.example.com/a/b.git`,
    secrets: [S.urlPassword],
  },
  {
    id: "url_credentials",
    text: `DATABASE_URL=postgres://app:${S.dbPassword}@db.internal:5432/app`,
    secrets: [S.dbPassword],
  },
  { id: "url_credentials", text: `redis://:${S.urlPassword}@cache:6379/0`, secrets: [S.urlPassword] },
  { id: "url_credentials", text: `https://x-access-token:${S.ghs}@github.com/o/r.git`, secrets: [S.ghs] },
  // secret_assignment
  { id: "secret_assignment", text: `password = "${S.envPassword}"`, secrets: [S.envPassword] },
  { id: "secret_assignment", text: `DB_PASSWORD=${S.dbPassword}`, secrets: [S.dbPassword] },
  { id: "secret_assignment", text: `API_KEY: ${S.apiKey}`, secrets: [S.apiKey] },
  {
    id: "secret_assignment",
    text: `{"client_id": "abc", "client_secret": "${S.clientSecret}"}`,
    secrets: [S.clientSecret],
  },
  {
    id: "secret_assignment",
    text: `run with --token=${S.webhookSecret} --verbose`,
    secrets: [S.webhookSecret],
  },
  {
    id: "secret_assignment",
    text: `GET /callback?access_token=${S.webhookSecret}&state=1`,
    secrets: [S.webhookSecret],
  },
  { id: "secret_assignment", text: `Authorization: Bearer ${S.bearer}`, secrets: [S.bearer] },
  {
    id: "secret_assignment",
    text: `export GITLAB_WEBHOOK_TOKEN='${S.webhookSecret}'`,
    secrets: [S.webhookSecret],
  },
  {
    id: "secret_assignment",
    text: `db:\n  password: ${S.envPassword}\n  user: app`,
    secrets: [S.envPassword],
  },
  {
    id: "secret_assignment",
    text: `curl -H "Authorization: Bearer ${S.bearer}" https://api`,
    secrets: [S.bearer],
  },
  { id: "secret_assignment", text: `const apiKey = '${S.apiKey}';`, secrets: [S.apiKey] },
  // #13 product families (the token table's own samples are in redaction-token-corpus.ts)
  {
    id: "aws_session_token",
    text: `[default]\naws_session_token = IQoJb3JpZ2luX2Vj${chars(600, BASE64, 109)}`,
    secrets: [chars(600, BASE64, 109)],
  },
  {
    id: "gcp_service_account",
    text: `{"type": "service_account", "private_key_id": "${chars(40, HEX, 110)}", "client_email": "x@p.iam.gserviceaccount.com"}`,
    secrets: [chars(40, HEX, 110)],
  },
  {
    id: "azure_storage_key",
    text: `DefaultEndpointsProtocol=https;AccountName=pfevidence;AccountKey=${chars(86, BASE64, 111)}==;EndpointSuffix=core.windows.net`,
    secrets: [chars(86, BASE64, 111)],
  },
  {
    id: "database_connection_string",
    text: `jdbc:sqlserver://db.internal:1433;databaseName=app;user=sa;password=${chars(16, BASE62, 112)};encrypt=true`,
    secrets: [chars(16, BASE62, 112)],
  },
  {
    id: "http_authorization",
    text: `it failed with Basic ${Buffer.from(`deploy:${chars(14, BASE62, 113)}`).toString("base64")} as the header`,
    secrets: [Buffer.from(`deploy:${chars(14, BASE62, 113)}`).toString("base64")],
  },
  {
    id: "http_authorization",
    text: `curl -u ci-bot:${chars(20, BASE62, 114)} https://nexus.example.com/repo`,
    secrets: [chars(20, BASE62, 114)],
  },
  {
    id: "session_cookie",
    text: `Cookie: _ga=GA1.2.3; sessionid=${chars(32, BASE62, 115)}; csrftoken=${chars(32, BASE62, 116)}`,
    secrets: [chars(32, BASE62, 115), chars(32, BASE62, 116)],
  },
  {
    id: "session_cookie",
    text: `JSESSIONID=${chars(32, HEX, 117).toUpperCase()}`,
    secrets: [chars(32, HEX, 117).toUpperCase()],
  },
  {
    id: "generic_secret",
    text: `stripe_secret_live: "${chars(10, BASE62, 118)}9${chars(20, BASE62, 119)}"`,
    secrets: [`${chars(10, BASE62, 118)}9${chars(20, BASE62, 119)}`],
  },
  // email (strict)
  {
    id: "email",
    text: "Reported by jane.doe+jira@example.co.uk yesterday.",
    secrets: ["jane.doe+jira@example.co.uk"],
  },
  {
    id: "email",
    text: "Author: Bob Smith <bob.smith@corp.example.com>",
    secrets: ["bob.smith@corp.example.com"],
  },
  { id: "email", text: "mailto:ops@example.org", secrets: ["ops@example.org"] },
  // phone_number (strict)
  { id: "phone_number", text: "call me at +1 (415) 555-0132 after 5pm", secrets: ["555-0132", "415"] },
  { id: "phone_number", text: "UK office +44 20 7946 0958.", secrets: ["7946 0958"] },
  { id: "phone_number", text: "tel: 415-555-0199", secrets: ["415-555-0199"] },
  { id: "phone_number", text: "(212) 555-0147 is the desk", secrets: ["555-0147"] },
  { id: "phone_number", text: "DE: +49-30-12345678", secrets: ["12345678"] },
  // payment_card (strict)
  { id: "payment_card", text: "card 4111 1111 1111 1111 exp 12/29", secrets: ["4111 1111 1111 1111"] },
  { id: "payment_card", text: "charged 5555-5555-5555-4444 twice", secrets: ["5555-5555-5555-4444"] },
  { id: "payment_card", text: "amex 3782 822463 10005", secrets: ["822463"] },
  { id: "payment_card", text: "discover=6011111111111117;", secrets: ["6011111111111117"] },
  // ip_address (strict)
  { id: "ip_address", text: "connection from 203.0.113.42 refused", secrets: ["203.0.113.42"] },
  { id: "ip_address", text: "listen 10.0.12.7:8080", secrets: ["10.0.12.7"] },
  {
    id: "ip_address",
    text: "peer 2001:db8:85a3::8a2e:370:7334 dropped",
    secrets: ["2001:db8:85a3::8a2e:370:7334"],
  },
  { id: "ip_address", text: "link-local fe80::1ff:fe23:4567:890a.", secrets: ["fe80::1ff:fe23:4567:890a"] },
  { id: "ip_address", text: "mapped ::ffff:192.0.2.128 seen", secrets: ["192.0.2.128"] },
  { id: "ip_address", text: "https://[2001:db8::1]:8443/healthz", secrets: ["2001:db8::1"] },
  { id: "ip_address", text: "full 2001:0db8:0000:0000:0000:ff00:0042:8329", secrets: ["ff00:0042:8329"] },
];

export interface Negative {
  /** The detector most tempted by this text. */
  near: DetectorId;
  text: string;
}

/** Ordinary engineering text: must come out of the strict level unchanged. */
export const NEGATIVES: Negative[] = [
  {
    near: "private_key",
    text: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
  },
  {
    near: "private_key",
    text: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
  },
  { near: "private_key", text: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHl1 user@laptop" },
  { near: "aws_access_key_id", text: "AKIA is the prefix of IAM user keys; AKIAEXAMPLE is too short" },
  { near: "aws_access_key_id", text: "arn:aws:iam::123456789012:role/factory-agent" },
  { near: "aws_secret_access_key", text: "commit 3f786850e387550fdab836ed7e6dc881de23001b" },
  { near: "aws_secret_access_key", text: "path packages/Core2/src/utils/HelperFormat is 40 chars" },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${…} (shell/CI syntax) under test
  { near: "aws_secret_access_key", text: "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}" },
  { near: "github_token", text: "tokens start with ghp_ and github_pat_; see docs" },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${…} (shell/CI syntax) under test
  { near: "github_token", text: "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}" },
  { near: "github_token", text: "const token = process.env.GITHUB_TOKEN;" },
  { near: "gitlab_token", text: "glpat- tokens expire; see GitLab docs for gldt-" },
  { near: "gitlab_token", text: "the gl-pat-config and glpat-short values" },
  { near: "slack_token", text: "xoxb- tokens are bot tokens" },
  { near: "slack_webhook_url", text: "https://hooks.slack.com/ is the host" },
  { near: "slack_webhook_url", text: "https://api.slack.com/messaging/webhooks" },
  { near: "atlassian_api_token", text: "ATATT tokens are Atlassian's; ATATTACHMENT is not" },
  {
    near: "openai_api_key",
    text: "pip install scikit-learn; from sklearn import sk-learn-pipeline-configuration",
  },
  { near: "openai_api_key", text: "task-1234567890abcdefghijklmnop and disk-abcdefghijklmnopqrstuvwxyz0123" },
  { near: "anthropic_api_key", text: "keys look like sk-ant-api03-..." },
  { near: "xai_api_key", text: 'model "xai-grok-2-latest" via xai-sdk' },
  { near: "google_api_key", text: "AIza prefix; AIzaShort" },
  { near: "jwt", text: "header eyJhbGciOiJIUzI1NiJ9 alone is not a token" },
  { near: "jwt", text: "base64 eyJmb28iOiJiYXIifQ== of a JSON object" },
  { near: "url_credentials", text: "https://github.com/acme/locate-round-publisher/pull/42" },
  { near: "url_credentials", text: "ssh://git@gitlab.example.com:2222/acme/app.git" },
  { near: "url_credentials", text: "http://localhost:8080/runs/pf-01JD3ZQ5V0Y8Q6W5X7H2K9M4NP" },
  { near: "url_credentials", text: "https://gitlab.example.com:8443/api/v4/projects?per_page=100" },
  { near: "secret_assignment", text: "const token = await getToken(installationId);" },
  { near: "secret_assignment", text: "interface Creds { token: string; password?: string }" },
  { near: "secret_assignment", text: "if (password === confirmPassword) return;" },
  { near: "secret_assignment", text: "this.token = token;\nconst apiKey = config.apiKey;" },
  { near: "secret_assignment", text: "max_tokens: 4096\ntoken_count = 12\ntokenizer: cl100k_base" },
  { near: "secret_assignment", text: "password_hash: bcrypt\npassword: null\nsecret: true" },
  {
    near: "secret_assignment",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${…} (shell/CI syntax) under test
    text: "api_key: ${API_KEY}\npassword: '{{ vault_password }}'\ntoken: <your-token>",
  },
  { near: "secret_assignment", text: "secret: arn:aws:secretsmanager:eu-west-1:123456789012:secret:pf/jira" },
  { near: "secret_assignment", text: "Use Bearer authentication for the gateway" },
  {
    near: "secret_assignment",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${…} (shell/CI syntax) under test
    text: "const headers = { Authorization: `Bearer ${token}` };",
  },
  { near: "email", text: "npm i @secretlint/core lodash@4.17.21 && ping user@localhost" },
  { near: "email", text: "git clone git@github.com:acme/app.git" },
  { near: "email", text: "decorated with @Component and @alice mentioned it" },
  { near: "phone_number", text: "timestamp 1700000000123 and id 4155550132" },
  { near: "phone_number", text: "2024-01-15 10:30:00, build 123-45-6789-0" },
  { near: "phone_number", text: "x = a +12; offset UTC+05:30; +1 vote" },
  { near: "payment_card", text: "4111111111111112 fails Luhn; order 1234567812345678" },
  { near: "payment_card", text: "version 4.1.1 and 1.5555555555555 and 3.14159265358979" },
  { near: "ip_address", text: "node v20.19.0, typescript 5.9.3, v1.2.3.4 and 1.2.3.4.5" },
  { near: "ip_address", text: "std::vector<int>; Bad::Add; dead::beef; 10:30:00; 00:1a:2b:3c:4d:5e" },
  { near: "ip_address", text: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  {
    near: "ip_address",
    text: "uuid 550e8400-e29b-41d4-a716-446655440000 ulid 01ARZ3NDEKTSV4RRFFQ69G5FAV run pf-01JD3ZQ5V0Y8Q6W5X7H2K9M4NP",
  },
  { near: "ip_address", text: "LOCATE-123 opened 2024-01-15T10:30:00.000Z, fixed in 3f78685" },
  // #13: what the token table must leave alone.
  {
    near: "generic_secret",
    text: 'const iconBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";',
  },
  {
    near: "generic_secret",
    text: 'keyId: "3f786850e387550fdab836ed7e6dc881de23001b"\ncache_key: "user-profile-v2"',
  },
  {
    near: "generic_secret",
    text: "token_count: 123456\napi_version = 2024-01-15\nauthor: jane-doe-maintainer",
  },
  {
    near: "generic_secret",
    text: '"key": "sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
  },
  {
    near: "generic_secret",
    text: "access_mode=read-only, key_name: deploy-key-prod, api_url=https://api.example.com/v2",
  },
  {
    near: "stripe_token",
    text: "the sk_live_ and sk_test_ prefixes mark Stripe keys; ask_live_support is a queue",
  },
  { near: "stripe_token", text: "risk_test_matrix and desk_live_chat are feature flags" },
  { near: "http_authorization", text: "Basic authentication is disabled; use Bearer tokens instead." },
  {
    near: "http_authorization",
    text: "curl -u $USER:$PASS https://x and curl --user admin:changeme https://y",
  },
  {
    near: "database_connection_string",
    text: "postgres://db.internal:5432/app and jdbc:mysql://db:3306/app?useSSL=true",
  },
  { near: "session_cookie", text: "Set-Cookie: theme=dark; Path=/; HttpOnly\nsession timeouts are 30 min" },
  { near: "aws_session_token", text: "aws_session_token is optional for IAM users; SessionToken: null" },
  { near: "npm_token", text: "npm_config_registry=https://registry.npmjs.org/ and npm_package_version" },
  {
    near: "ip_address",
    text: "    at Object.<anonymous> (/app/src/index.ts:12:34)\n    at Module._compile (node:internal/modules/cjs/loader:1256:14)",
  },
];
