// Token shapes of secretlint's recommended preset (github.com/secretlint/secretlint,
// packages/@secretlint/secretlint-rule-*/src/index.ts at commit 18346ba31b81) that gitleaks'
// default rules miss or match more narrowly. `(?<!\p{L})` is written `(?<![A-Za-z])` (no `u`
// flag); where a token's own chars can spell its prefix (`npm_npm_…`), `(?<![A-Za-z0-9_])`, so a
// run has one start instead of creeping one match per pass.
import type { TokenRule } from "./types.ts";

export const SECRETLINT_COMMIT = "18346ba31b8173d52060b971221ab38c1943def0";

const sl = (rule: string, id: string) => `secretlint:@secretlint/secretlint-rule-${rule}#${id}`;

export const SECRETLINT_RULES: readonly TokenRule[] = [
  {
    family: "vercel_token",
    source: sl("vercel", "VERCEL_*_TOKEN"),
    regex: String.raw`(?<![A-Za-z])(?:vcp|vci|vca|vcr|vck)_[A-Za-z0-9]{20,60}(?![A-Za-z0-9])`,
    keywords: ["vcp_", "vci_", "vca_", "vcr_", "vck_"],
    example: "vcp_ + 20–60 base62 (also vci_, vca_, vcr_, vck_)",
  },
  {
    family: "tailscale_token",
    source: sl("tailscale", "TAILSCALE_*_KEY"),
    regex: String.raw`(?<![A-Za-z])tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60}(?![0-9A-Za-z_])`,
    keywords: ["tskey-"],
    example: "tskey-auth-<8–40>-<16–60> (api, auth, client, scim, webhook, …)",
  },
  {
    family: "groq_token",
    source: sl("groq", "GROQ_API_KEY"),
    regex: String.raw`(?<![A-Za-z])gsk_[a-zA-Z0-9]{52}(?![a-zA-Z0-9])`,
    keywords: ["gsk_"],
    example: "gsk_ + 52 base62",
  },
  {
    family: "docker_token",
    source: sl("docker", "DOCKER_PERSONAL_ACCESS_TOKEN"),
    regex: String.raw`(?<![A-Za-z0-9_])dckr_(?:pat|oat)_[a-zA-Z0-9_-]{27,}(?![a-zA-Z0-9_-])`,
    keywords: ["dckr_pat_", "dckr_oat_"],
    example: "dckr_pat_ + 27 [A-Za-z0-9_-]",
  },
  {
    family: "figma_token",
    source: sl("figma", "FIGMA_PERSONAL_ACCESS_TOKEN"),
    regex: String.raw`(?<![A-Za-z0-9_])fig[dou]_[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])`,
    keywords: ["figd_", "figo_", "figu_"],
    example: "figd_ + 40+ [A-Za-z0-9_-]",
  },
  {
    family: "cloudflare_token",
    source: sl("cloudflare", "CLOUDFLARE_*"),
    regex: String.raw`(?<![A-Za-z])(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}(?![A-Za-z0-9])`,
    keywords: ["cfk_", "cfut_", "cfat_"],
    example: "cfat_ + 40 base62 + 8 hex (also cfut_, cfk_)",
  },
  {
    family: "hashicorp_vault_token",
    source: sl("hashicorp-vault", "HASHICORP_VAULT_*_TOKEN"),
    regex: String.raw`(?<![A-Za-z])hv[sbr]\.[A-Za-z0-9_-]{90,}(?![A-Za-z0-9_-])`,
    keywords: ["hvs.", "hvb.", "hvr."],
    example: "hvs./hvb./hvr. + 90+ [A-Za-z0-9_-]",
  },
  {
    family: "databricks_token",
    source: sl("databricks", "DATABRICKS_PERSONAL_ACCESS_TOKEN"),
    regex: String.raw`(?<![A-Za-z])dapi[A-Fa-f0-9]{32}(?:-[0-9])?(?![A-Fa-f0-9])`,
    keywords: ["dapi"],
    example: "dapi + 32 hex (either case), optional -N",
  },
  {
    family: "notion_token",
    source: sl("notion", "NOTION_INTEGRATION_TOKEN"),
    regex: String.raw`(?<![A-Za-z])ntn_[0-9]{11}[A-Za-z0-9]{35}(?![A-Za-z0-9])`,
    keywords: ["ntn_"],
    example: "ntn_ + 11 digits + 35 base62",
  },
  {
    family: "github_token",
    source: sl("github", "GITHUB_TOKEN (app installation, JWT tail)"),
    regex: String.raw`(?<![A-Za-z0-9_])ghs_[0-9]{1,20}_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?![A-Za-z0-9_-])`,
    keywords: ["ghs_"],
    example: "ghs_<installation id>_<JWT>",
  },
  {
    family: "grafana_token",
    source: sl("grafana", "GRAFANA_CLOUD_API_TOKEN"),
    regex: String.raw`(?<![A-Za-z])glc_[A-Za-z0-9+/]{32,}={0,2}(?![A-Za-z0-9+/=])`,
    keywords: ["glc_"],
    example: "glc_ + 32+ base64",
  },
  {
    family: "grafana_token",
    source: sl("grafana", "GRAFANA_SERVICE_ACCOUNT_TOKEN"),
    regex: String.raw`(?<![A-Za-z])glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Fa-f0-9])`,
    keywords: ["glsa_"],
    example: "glsa_ + 32 base62 + _ + 8 hex",
  },
  {
    family: "linear_token",
    source: sl("linear", "LINEAR_API_TOKEN"),
    regex: String.raw`(?<![A-Za-z0-9_])lin_(?:api|oauth)_[a-zA-Z0-9_]{32,}(?![a-zA-Z0-9_])`,
    keywords: ["lin_api_", "lin_oauth_"],
    example: "lin_api_ + 32+ [A-Za-z0-9_]",
  },
  {
    family: "onepassword_token",
    source: sl("1password", "OPS_TOKEN"),
    regex: String.raw`(?<![A-Za-z])ops_ey[A-Za-z0-9+/=]{100,}(?![A-Za-z0-9+/=])`,
    keywords: ["ops_ey"],
    example: "ops_eyJ… (base64 JSON, 100+)",
  },
  {
    family: "npm_token",
    source: sl("npm", "NPM_ACCESS_TOKEN"),
    regex: String.raw`(?<![A-Za-z0-9_])npm_[A-Za-z0-9_]{36}(?![A-Za-z0-9_])`,
    keywords: ["npm_"],
    example: "npm_ + 36 [A-Za-z0-9_]",
  },
  {
    family: "npm_token",
    source: sl("npm", "Npmrc_authToken"),
    regex: String.raw`_auth(?:Token)?[ \t]*=[ \t]*([^$\s"'][^\s"']*)`,
    keywords: ["_auth"],
    example: "//registry.npmjs.org/:_authToken=<value>",
  },
  {
    family: "sendgrid_token",
    source: sl("sendgrid", "SENDGRID_KEY"),
    regex: String.raw`(?<![A-Za-z])SG\.\w{1,128}\.\w{1,128}(?:[-_]?\w{1,128})?(?![\w-])`,
    keywords: ["sg."],
    example: "SG.<22>.<43>",
    check: (s) => s.length >= 30,
  },
  {
    family: "shopify_token",
    source: sl("shopify", "SHOPIFY_KEY"),
    regex: String.raw`(?<![A-Za-z])(?:shppa|shpca|shpat|shpss)_[a-zA-Z0-9]{32,64}(?![a-zA-Z0-9])`,
    keywords: ["shppa_", "shpca_", "shpat_", "shpss_"],
    example: "shpat_ + 32 base62 (also shppa_, shpca_, shpss_)",
  },
  {
    family: "huggingface_token",
    source: sl("huggingface", "HUGGINGFACE_USER_ACCESS_TOKEN"),
    regex: String.raw`(?<![A-Za-z])hf_[a-zA-Z]{34}(?![a-zA-Z])`,
    keywords: ["hf_"],
    example: "hf_ + 34 letters",
  },
];
