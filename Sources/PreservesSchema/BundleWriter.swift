import Preserves

/// Compiled schema bundles: the canonical binary form of a metaschema `Bundle`, byte-identical
/// to what upstream's `preserves-schemac` writes for the same sources.
public enum BundleWriter {
    /// The bundle of `modules`.
    public static func bundle(_ modules: [SchemaModule]) -> Schema.Bundle {
        Schema.Bundle(modules: Dictionary(modules.map { ($0.path, $0.schema) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The canonical binary encoding of the bundle of `modules`.
    public static func bundleBytes(_ modules: [SchemaModule]) -> [UInt8] {
        BinaryWriter<Never>(options: .canonical).encode(bundle(modules).preserves)
    }

    /// The canonical binary encoding of one module's schema, as `preserves-schemac --no-bundle` writes.
    public static func schemaBytes(_ module: SchemaModule) -> [UInt8] {
        BinaryWriter<Never>(options: .canonical).encode(module.schema.preserves)
    }
}
