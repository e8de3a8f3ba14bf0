import Foundation
import PreservesSchema

/// A failure already reported on standard error by ``reportingSchemaErrors(_:)``.
public struct ReportedSchemaFailure: Error {}

/// Runs `body`, reporting schema, configuration and generation errors as compiler-style
/// `file:line:column: error: …` lines on standard error (which build logs and editors pick
/// up); such errors become ``ReportedSchemaFailure``. The command-line tools share it.
public func reportingSchemaErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let errors as SchemaErrors {
        for e in errors.errors { FileHandle.standardError.write(Data((e.description + "\n").utf8)) }
    } catch let e as SchemaError {
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
    } catch let e as ConfigurationError {
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
    } catch let e as SwiftGenerationError {
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
    }
    throw ReportedSchemaFailure()
}
