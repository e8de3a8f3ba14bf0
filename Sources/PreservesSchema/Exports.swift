// The metaschema's generated types are part of this module's API.
@_exported import PreservesMetaschema
