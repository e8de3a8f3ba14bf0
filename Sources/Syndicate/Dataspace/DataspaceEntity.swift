import Preserves
import SyndicateProtocols

/// A dataspace: routes assertions and messages to the observers whose `<Observe pattern
/// observer>` assertions match them.
///
/// Assertions are counted (a value asserted twice is present until retracted twice), and
/// observers hear only of first arrivals and last departures. A new observer is told about
/// every matching assertion already present; when it goes away, what it was told is retracted.
public final class DataspaceEntity: Entity {
    let index = SkeletonIndex()
    private var assertions: [Handle: AssertionEntry] = [:]

    public init() {}

    /// How many distinct values are asserted.
    public var assertionCount: Int { index.assertionCount }

    deinit {
        RuntimeStatistics.assertionsChanged(by: -index.assertionCount)
    }

    public func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        let entry = index.insert(turn, value)
        assertions[handle] = entry
        guard entry.count == 1 else { return }
        RuntimeStatistics.assertionsChanged(by: 1)
        if let observe = try? Dataspace.Observe<Ref>(preserves: value) {
            index.addObserver(turn, observe.pattern, observe.observer)
        }
    }

    public func onRetract(_ turn: Turn, _ handle: Handle) throws {
        guard let entry = assertions.removeValue(forKey: handle) else { return }
        assertions.shrinkIfSparse()
        guard index.remove(turn, entry) else { return }
        RuntimeStatistics.assertionsChanged(by: -1)
        if let observe = try? Dataspace.Observe<Ref>(preserves: entry.value) {
            index.removeObserver(turn, observe.pattern, observe.observer)
        }
    }

    public func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        RuntimeStatistics.messageRouted()
        index.send(turn, value)
    }
}

extension Turn {
    /// A new dataspace living in the current facet.
    public func createDataspace() -> Ref {
        ref(DataspaceEntity())
    }
}
