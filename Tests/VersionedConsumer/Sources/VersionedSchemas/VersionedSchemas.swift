// The types of this target are generated from notes.prs at build time by PreservesSchemaPlugin.
@_exported import Preserves
