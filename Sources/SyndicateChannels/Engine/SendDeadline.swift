/// The per-send timeout (``ChannelOptions/sendTimeout``) in direct mode.
enum SendDeadline {
    /// Runs `body`, throwing ``ChannelError/timedOut(_:)`` (and cancelling it) if it takes longer than `timeout`.
    static func run(
        _ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws(ChannelError) -> Void
    ) async throws(ChannelError) {
        let result = await withTaskGroup(of: Result<Void, ChannelError>?.self) { group in
            group.addTask {
                do throws(ChannelError) {
                    try await body()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .failure(.timedOut(what))
            }
            var outcome: Result<Void, ChannelError> = .failure(.closed)
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
        try result.get()
    }
}
