import Preserves
import SyndicateProtocols

/// One object known across a relay link under an oid, with the number of things that pin it:
/// live assertions that mention it, packets being handled, or the session itself.
final class WireSymbol {
    let oid: Int
    let ref: Ref
    var pins = 0

    init(oid: Int, ref: Ref) {
        self.oid = oid
        self.ref = ref
    }
}

/// A two-way table between oids and local references for one direction of a link.
///
/// The relay keeps two: the objects it exports to the peer, and the proxies for objects the
/// peer exported. A symbol leaves the table when its last pin is released, and its oid is
/// never reused by this side.
struct Membrane {
    private var byOid: [Int: WireSymbol] = [:]
    private var byRef: [Ref: WireSymbol] = [:]

    var count: Int { byOid.count }

    func symbol(oid: Int) -> WireSymbol? { byOid[oid] }
    func symbol(ref: Ref) -> WireSymbol? { byRef[ref] }

    mutating func insert(oid: Int, ref: Ref) -> WireSymbol {
        let symbol = WireSymbol(oid: oid, ref: ref)
        byOid[oid] = symbol
        byRef[ref] = symbol
        return symbol
    }

    mutating func pin(_ symbol: WireSymbol) {
        symbol.pins += 1
    }

    mutating func release(_ symbol: WireSymbol) {
        symbol.pins -= 1
        if symbol.pins == 0, byOid[symbol.oid] === symbol {
            byOid[symbol.oid] = nil
            byRef[symbol.ref] = nil
            byOid.shrinkIfSparse()
            byRef.shrinkIfSparse()
        }
    }
}

/// Pins taken while translating one value across the membranes; released together when the
/// assertion that carried them is retracted (or at once, for messages).
struct PinSet {
    var exported: [WireSymbol] = []
    var imported: [WireSymbol] = []
}
