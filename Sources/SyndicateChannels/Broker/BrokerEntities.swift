import Syndicate

/// An endpoint's entity, the one its `Presence` names: `Connect`s arrive here at an accepting
/// endpoint, `Accept`s and `Refuse`s at a connecting one.
final class EndpointEntity: Entity {
    let engine: BrokerEngine
    init(engine: BrokerEngine) { self.engine = engine }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        engine.endpointAsserted(turn, value, handle)
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        engine.endpointRetracted(turn, handle)
    }
}

/// One side's entity for one link, handed only to the other side: what arrives here (items,
/// credit, `Ready`, a barrier's `Release`) comes from that link's peer.
final class LinkEntity: Entity {
    let engine: BrokerEngine
    let link: UInt64
    init(engine: BrokerEngine, link: UInt64) {
        self.engine = engine
        self.link = link
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        engine.linkMessage(turn, link, value)
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        engine.linkAsserted(turn, link, value)
    }
}
