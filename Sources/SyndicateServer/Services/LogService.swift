import Logging
import Preserves
import Syndicate
import SyndicateServerSchemas

/// Prints the `<log TIMESTAMP {…}>` messages sent to `$log`.
enum LogService {
    static func run(_ turn: Turn, log: Ref, logger: Logger) {
        turn.onMessage(log, Server.LogEntry<Ref>.pattern()) { _, entry in
            var metadata: Logger.Metadata = ["timestamp": "\(entry.timestamp)"]
            var message = ""
            for (key, value) in entry.detail.sorted(by: { $0.key.name < $1.key.name }) {
                if key.name == "line", let line = value.string { message = line } else { metadata[key.name] = "\(value)" }
            }
            logger.info("\(message.isEmpty ? "\(entry.detail)" : message)", metadata: metadata)
        }
    }
}
