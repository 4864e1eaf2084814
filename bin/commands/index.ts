// The subcommand modules of `pf`. Listed explicitly (not discovered from the directory) so the
// bundled CLI in dist/cli contains them; add yours with one import and one entry.
import { factoryCommands } from "./factory.ts";
import { ledgerCommands } from "./ledger.ts";
import { secretsCommands } from "./secrets.ts";
import type { CommandModule } from "./types.ts";

export const COMMAND_MODULES: readonly CommandModule[] = [ledgerCommands, factoryCommands, secretsCommands];
