import Preserves
import SyndicateProtocols

/// Sturdy references: capabilities written as data (`<ref {oid: … sig: … caveats: […]}>`),
/// macaroon-style. The signature chains a keyed hash over the canonical encodings of the oid
/// and then of each caveat, so anyone holding a ref can attenuate it further but nobody
/// without the key can remove a caveat or forge one.
///
///     f(k, d) = HMAC-BLAKE2s-256(k, d), first 16 bytes
///     sig     = f(… f(f(key, e(oid)), e(caveat₁)) …, e(caveatₙ))
public enum SturdyRefs {
    public static let signatureLength = 16

    /// Why a value cannot be signed: sturdy-ref data may not contain embedded values.
    public struct UnsignableValue: Error, Sendable, CustomStringConvertible {
        public var description: String { "sturdy-ref oids and caveats cannot contain embedded values" }
    }

    static func f(_ key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMACBLAKE2s.authenticationCode(key: key, message: data).prefix(signatureLength))
    }

    /// The canonical binary encoding of `value`, which must hold no embedded values.
    static func canonicalBytes<E>(_ value: Value<E>) throws(UnsignableValue) -> [UInt8] {
        do {
            let plain: Value<Never> = try value.mapEmbedded { _ throws -> Never in throw UnsignableValue() }
            return plain.canonicalBinary
        } catch {
            throw UnsignableValue()
        }
    }

    /// The signature of a ref for `oid` with `caveats`, under `key`.
    public static func signature<E>(key: [UInt8], oid: Value<E>, caveats: [Sturdy.Caveat<E>] = []) throws(UnsignableValue) -> [UInt8] {
        var sig = f(key, try canonicalBytes(oid))
        for caveat in caveats { sig = f(sig, try canonicalBytes(caveat.preserves)) }
        return sig
    }

    /// A new sturdy ref for `oid`, signed with `key`.
    public static func mint<E>(oid: Value<E>, key: [UInt8], caveats: [Sturdy.Caveat<E>] = []) throws(UnsignableValue) -> Sturdy.SturdyRef<E> {
        Sturdy.SturdyRef(parameters: Sturdy.Parameters(
            oid: oid, sig: try signature(key: key, oid: oid, caveats: caveats),
            caveats: caveats.isEmpty ? .absent : .present(caveats: caveats)))
    }

    /// `ref` with `caveats` added after its own; needs no key.
    public static func attenuate<E>(_ ref: Sturdy.SturdyRef<E>, with caveats: [Sturdy.Caveat<E>]) throws(UnsignableValue) -> Sturdy.SturdyRef<E> {
        var sig = ref.parameters.sig
        for caveat in caveats { sig = f(sig, try canonicalBytes(caveat.preserves)) }
        var parameters = ref.parameters
        parameters.sig = sig
        parameters.caveats = .present(caveats: self.caveats(of: ref) + caveats)
        return Sturdy.SturdyRef(parameters: parameters)
    }

    /// The ref's caveats (none when the field is absent); `nil` when the field is malformed.
    public static func caveats<E>(of ref: Sturdy.SturdyRef<E>) -> [Sturdy.Caveat<E>] {
        if case .present(let caveats) = ref.parameters.caveats { return caveats }
        return []
    }

    /// Whether `ref` was minted with `key` for its oid and carries exactly the caveats its
    /// signature covers. A malformed caveats field is never valid.
    public static func isValid<E>(_ ref: Sturdy.SturdyRef<E>, key: [UInt8]) -> Bool {
        if case .invalid = ref.parameters.caveats { return false }
        guard let expected = try? signature(key: key, oid: ref.parameters.oid, caveats: caveats(of: ref)) else { return false }
        return constantTimeEqual(expected, ref.parameters.sig)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
