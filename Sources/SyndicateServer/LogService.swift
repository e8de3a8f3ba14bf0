import Logging
import Preserves
import Syndicate

/// Prints the `<log timestamp {…}>` messages sent to `$log`.
enum LogService {
    static func run(_ turn: Turn, log: Ref, logger: Logger) {
        turn.onMessage(log, Pattern.rec("log", Pattern.bind(), Pattern.bind())) { _, captures in
            logger.info("\(captures[1])", metadata: ["timestamp": "\(captures[0])"])
        }
    }
}
