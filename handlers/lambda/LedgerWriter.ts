// Lambda entry of the ledger writer, the one principal with write access to the ledger table
// (invoked by every component through storage/remote-ledger.ts): composed by handlers/compose.ts,
// logic in handlers/ledger-writer/append.ts.
import { ledgerWriterEntry } from "#handlers/compose.ts";

export const { compose, handler } = ledgerWriterEntry();
