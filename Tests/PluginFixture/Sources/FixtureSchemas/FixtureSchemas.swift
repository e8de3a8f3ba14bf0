// The types of this target come from its .prs files, generated at build time by
// PreservesSchemaPlugin. This file only re-exports the runtime they use.
@_exported import Preserves
