import Logging
import Preserves
import Syndicate
import SyndicateServerSchemas

/// `$control` (with `syndicate-server --control`): the message `<exit CODE>` ends the server
/// with that exit status.
final class ControlEntity: Entity {
    private let logger: Logger
    private let onExit: @Sendable (Int32) -> Void

    init(logger: Logger, onExit: @escaping @Sendable (Int32) -> Void) {
        self.logger = logger
        self.onExit = onExit
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        guard let request = try? Control.ExitServer(preserves: value) else {
            logger.warning("ignoring a message to $control that is not <exit CODE>", metadata: ["message": "\(value)"])
            return
        }
        let code = request.code.int.flatMap { Int32(exactly: $0) } ?? 1
        logger.notice("exit requested through $control", metadata: ["code": "\(code)"])
        onExit(code)
    }
}
