// A schema target that does not depend on SyndicateProtocols: the plugin generates its types
// without dataspace patterns (which live in that module).
@_exported import Preserves
