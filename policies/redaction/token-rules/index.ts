import { GITLEAKS_RULES } from "./gitleaks.ts";
import { PRODUCT_RULES } from "./product.ts";
import { SECRETLINT_RULES } from "./secretlint.ts";
import type { TokenRule } from "./types.ts";

export type { TokenRule } from "./types.ts";

/** Every table row: gitleaks' defaults, then secretlint's extra shapes, then this product's. */
export const TOKEN_RULES: readonly TokenRule[] = [...GITLEAKS_RULES, ...SECRETLINT_RULES, ...PRODUCT_RULES];
