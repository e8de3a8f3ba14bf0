import Foundation
import Logging
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// `<debt-reporter SECONDS>`: logs, every interval, how much work each open session has queued
/// downstream and not yet done (its account's debt), as upstream's debt reporter does.
enum DebtReporterService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: InternalServices.DebtReporter.pattern()) { turn, spec, status in
            let interval = Duration.milliseconds(Int64((max(0.01, spec.intervalSeconds) * 1000).rounded()))
            let listeners = context.listeners
            let logger = context.logger
            status.set(turn, .ready)
            turn.linkedTask { _ in
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    for listener in listeners.all {
                        for (session, debt) in listener.sessionDebts() {
                            logger.info("debt", metadata: ["session": "\(session)", "debt": "\(debt)"])
                        }
                    }
                }
            }
        }
    }
}
