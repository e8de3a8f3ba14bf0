import Preserves
import SyndicateProtocols

extension Turn {
    /// Asks the route-resolution service of `dataspace` (``serveRouteResolution(in:)``, which a
    /// broker runs on `$config`) for `route`, by observing `<resolve-path route _ _ _>` there.
    ///
    /// While an answer `<resolve-path route addr #:control RESOLVED>` is asserted, `handler` runs
    /// in a facet of its own with it; the facet stops when the answer is withdrawn (the link was
    /// lost, or a better answer replaced it). Stopping the current facet withdraws the request,
    /// and with it, once nobody else wants the route, its connection.
    @discardableResult
    public func duringRouteResolution(
        _ route: Gatekeeper.Route<Ref>, in dataspace: Ref,
        _ handler: @escaping (Turn, Gatekeeper.ResolvePath<Ref>) throws -> Void
    ) -> Handle {
        during(dataspace, Gatekeeper.ResolvePath<Ref>.pattern(route: .literal(route)), handler)
    }

    /// Resolves `route` through the route-resolution service of `dataspace` (see
    /// ``duringRouteResolution(_:in:_:)``): `resolved` runs in a new facet with the remote
    /// entity the route leads to while the route stays resolved (a lost link stops that facet;
    /// the route is resolved again, and `resolved` runs again, once the link is back).
    /// `rejected` gets each `<rejected detail>` answer's detail, such as the remote
    /// gatekeeper's reason for refusing a sturdy ref.
    @discardableResult
    public func resolveRoute(
        _ route: Gatekeeper.Route<Ref>, in dataspace: Ref,
        rejected: ((Turn, AnyValue) throws -> Void)? = nil,
        _ resolved: @escaping (Turn, Ref) throws -> Void
    ) -> Handle {
        duringRouteResolution(route, in: dataspace) { turn, answer in
            switch answer.resolved {
            case .accepted(let remote): try resolved(turn, remote)
            case .rejected(let rejection): try rejected?(turn, rejection.detail)
            }
        }
    }
}

extension Gatekeeper.Route where Embedded == Ref {
    /// Reads a route from Preserves text, such as
    /// `<route [<tcp "127.0.0.1" 9001>] <ref {oid: "syndicate" sig: #x"…"}>>`.
    public init(parsing text: String) throws {
        let value = try Value<Never>(text: text)
        try self.init(preserves: value.mapEmbedded { (never: Never) -> Ref in })
    }
}
