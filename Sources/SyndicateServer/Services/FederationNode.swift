import Logging
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// One broker's side of a federation: which interests it exports to which peers.
///
/// - **Exports** are interests this broker passes on: every `Observe` of local origin in the
///   dataspace and, in tree mode, every interest a peer sent it (to be passed to its other peers).
/// - **Links** are the peers' federation entities, present while their links are up.
/// - For each export and each link it may go to (never back to the peer it came from), a facet
///   asserts `<federated-interest NAME PATTERN #:forwarder>` at the link, the
///   ``FederationForwarder`` passing matches to the export's observer.
///
/// Interest from a peer is observed in the dataspace with the peer's observer, so matches go
/// straight back over the link; those `Observe`s are *own*, recognised by their observer, and
/// never exported again. Imported data goes only to observers, never into the dataspace, so the
/// dataspace holds only local assertions: that is where loops are cut.
///
/// Used only in turns of the service's actor. Its entities hold it weakly; the facet that
/// made it keeps it (see ``FederationService``).
final class FederationNode {
    struct Export {
        let pattern: Pattern
        let observer: Ref
        /// The peer the interest came from (tree mode), which it is never sent back to.
        let from: String?
    }

    struct Link {
        let peer: String
        let entity: Ref
        let facet: FacetID
    }

    private struct Pair: Hashable {
        let export: UInt64
        let link: UInt64
    }

    let name: String
    let dataspace: Ref
    let mode: Federation.FederationMode
    private let logger: Logger
    private var nextID: UInt64 = 0
    private var exports: [UInt64: Export] = [:]
    private var links: [UInt64: Link] = [:]
    private var pairs: [Pair: FacetID] = [:]
    /// Observers of the `Observe`s this node asserted itself (peers' observers, its watcher),
    /// counted per `Observe`.
    private var ownObservers: [Ref: Int] = [:]
    /// The local `Observe`s the watcher has seen, by handle: an export, or nil for own ones.
    private var watched: [Handle: (observer: Ref, export: UInt64?)] = [:]

    /// The object peers assert their interests to (publish it, bind it as a sturdy ref).
    private(set) var entity: Ref?

    /// Starts watching `dataspace` and accepting peers' interests, in the current facet.
    init(_ turn: Turn, name: String, dataspace: Ref, mode: Federation.FederationMode, logger: Logger) {
        self.name = name
        self.dataspace = dataspace
        self.mode = mode
        self.logger = logger
        let watcher = turn.ref(FederationObserveWatcher(
            added: { [weak self] turn, observe, handle in self?.watcherAdded(turn, observe, handle) },
            removed: { [weak self] turn, handle in self?.watcherRemoved(turn, handle) }))
        ownObservers[watcher] = 1
        turn.observe(dataspace, FederationObserveWatcher.observes.pattern, watcher)
        entity = turn.ref(FederationInbox { [weak self] turn, interest in self?.served(turn, interest) })
    }

    // MARK: Local interest

    private func watcherAdded(_ turn: Turn, _ observe: Dataspace.Observe<Ref>, _ handle: Handle) {
        if ownObservers[observe.observer] != nil {
            watched[handle] = (observe.observer, nil)
            return
        }
        watched[handle] = (observe.observer, addExport(turn, Export(pattern: observe.pattern, observer: observe.observer, from: nil)))
    }

    private func watcherRemoved(_ turn: Turn, _ handle: Handle) {
        guard let seen = watched.removeValue(forKey: handle) else { return }
        if let export = seen.export {
            removeExport(turn, export)
        } else {
            releaseOwn(seen.observer)
        }
    }

    private func releaseOwn(_ observer: Ref) {
        guard let count = ownObservers[observer] else { return }
        ownObservers[observer] = count > 1 ? count - 1 : nil
    }

    // MARK: Peers' interest

    /// A peer's interest, in a facet of its own that stops when the peer withdraws it.
    private func served(_ turn: Turn, _ interest: Federation.FederatedInterest<Ref>) {
        // Counted before the Observe reaches the watcher; released when the watcher sees it go.
        ownObservers[interest.observer, default: 0] += 1
        turn.assert(dataspace, Dataspace.Observe<Ref>(pattern: interest.pattern, observer: interest.observer))
        if mode == .tree {
            let export = addExport(turn, Export(pattern: interest.pattern, observer: interest.observer, from: interest.from))
            turn.onStop { [weak self] turn in self?.removeExport(turn, export) }
        }
    }

    // MARK: Exports × links

    private func addExport(_ turn: Turn, _ export: Export) -> UInt64 {
        nextID += 1
        let id = nextID
        exports[id] = export
        for (linkID, link) in links where export.from != link.peer {
            open(turn, export: id, link: linkID)
        }
        return id
    }

    private func removeExport(_ turn: Turn, _ id: UInt64) {
        guard exports.removeValue(forKey: id) != nil else { return }
        for linkID in links.keys {
            if let facet = pairs.removeValue(forKey: Pair(export: id, link: linkID)) { turn.stop(facet) }
        }
    }

    /// A peer's federation entity, reachable while the current facet lives: every export that
    /// may go to `peer` is asserted there now, and later ones as they come.
    func attach(_ turn: Turn, peer: String, entity: Ref) {
        nextID += 1
        let id = nextID
        links[id] = Link(peer: peer, entity: entity, facet: turn.activeFacet)
        logger.info("federation link up", metadata: ["federation": "\(name)", "peer": "\(peer)"])
        for (exportID, export) in exports where export.from != peer {
            open(turn, export: exportID, link: id)
        }
        turn.onStop { [weak self] _ in
            guard let self else { return }
            links[id] = nil
            logger.info("federation link down", metadata: ["federation": "\(name)", "peer": "\(peer)"])
        }
    }

    private func open(_ turn: Turn, export id: UInt64, link linkID: UInt64) {
        guard let export = exports[id], let link = links[linkID] else { return }
        let key = Pair(export: id, link: linkID)
        turn.inFacet(link.facet) { turn in
            pairs[key] = turn.facet { turn in
                let forwarder = turn.ref(FederationForwarder(target: export.observer))
                turn.assert(link.entity, Federation.FederatedInterest<Ref>(from: name, pattern: export.pattern, observer: forwarder))
                turn.onStop { [weak self] _ in self?.pairs[key] = nil }
            }
        }
    }
}
