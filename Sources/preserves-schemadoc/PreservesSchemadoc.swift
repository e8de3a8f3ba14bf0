import ArgumentParser
import Preserves
import PreservesCodeGen

/// Schema documentation and the upstream workflow: the part of the schema tools that needs
/// libxml2, kept out of `preserves-schemac` so the build plugin's tool does not.
@main
struct PreservesSchemadoc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preserves-schemadoc",
        abstract: "Document Preserves schemas as HTML, and take upstream revisions of a set of schemas.",
        version: ToolkitVersion.current,
        subcommands: [HTMLCommand.self, UpstreamCommand.self]
    )
}

/// Reports schema and configuration problems as compiler-style lines and fails.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try reportingSchemaErrors(body)
    } catch is ReportedSchemaFailure {
        throw ExitCode.failure
    }
}
