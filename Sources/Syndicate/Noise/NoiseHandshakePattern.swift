import Foundation

/// A Noise handshake pattern (Noise specification, sections 7 and 9): the tokens of each
/// pre-message and message, for the fundamental patterns and any `pskN` modifiers.
public struct NoiseHandshakePattern: Sendable, Hashable {
    /// One token of a message pattern.
    public enum Token: String, Sendable, Hashable {
        case e, s, ee, es, se, ss, psk
    }

    /// The pattern's name, modifiers included, e.g. `NK` or `NNpsk0+psk2`.
    public var name: String
    /// Keys known to the responder before the handshake: `[.s]` when it knows the initiator's
    /// static key.
    public var initiatorPreMessage: [Token]
    /// Keys known to the initiator before the handshake: `[.s]` when it knows the responder's.
    public var responderPreMessage: [Token]
    /// The messages, alternately from initiator and responder, starting with the initiator.
    public var messages: [[Token]]

    /// A one-way pattern (`N`, `K`, `X`): one handshake message, then only the initiator sends.
    public var isOneWay: Bool
    /// Whether any message carries a `psk` token (then `e` tokens also mix the key).
    public var usesPreSharedKeys: Bool { messages.contains { $0.contains(.psk) } }

    /// The fundamental patterns by name: (initiator pre-message, responder pre-message, messages).
    static let fundamental: [String: ([Token], [Token], [[Token]])] = [
        "N": ([], [.s], [[.e, .es]]),
        "K": ([.s], [.s], [[.e, .es, .ss]]),
        "X": ([], [.s], [[.e, .es, .s, .ss]]),
        "NN": ([], [], [[.e], [.e, .ee]]),
        "NK": ([], [.s], [[.e, .es], [.e, .ee]]),
        "NX": ([], [], [[.e], [.e, .ee, .s, .es]]),
        "XN": ([], [], [[.e], [.e, .ee], [.s, .se]]),
        "XK": ([], [.s], [[.e, .es], [.e, .ee], [.s, .se]]),
        "XX": ([], [], [[.e], [.e, .ee, .s, .es], [.s, .se]]),
        "KN": ([.s], [], [[.e], [.e, .ee, .se]]),
        "KK": ([.s], [.s], [[.e, .es, .ss], [.e, .ee, .se]]),
        "KX": ([.s], [], [[.e], [.e, .ee, .se, .s, .es]]),
        "IN": ([], [], [[.e, .s], [.e, .ee, .se]]),
        "IK": ([], [.s], [[.e, .es, .s, .ss], [.e, .ee, .se]]),
        "IX": ([], [], [[.e, .s], [.e, .ee, .se, .s, .es]]),
    ]

    /// The pattern called `name`: a fundamental pattern, optionally followed by `pskN`
    /// modifiers joined with `+` (`psk0` puts a `psk` token first in the first message, `pskN`
    /// last in message N).
    public static func named(_ name: String) throws(NoiseError) -> NoiseHandshakePattern {
        let base: Substring
        var modifiers: [Substring] = []
        if let range = name.range(of: "psk") {
            base = name[..<range.lowerBound]
            modifiers = name[range.lowerBound...].split(separator: "+", omittingEmptySubsequences: false)
        } else {
            base = name[...]
        }
        guard let entry = fundamental[String(base)] else {
            throw .unknownPattern(name)
        }
        let (initiatorPre, responderPre, baseMessages) = entry
        var messages = baseMessages
        var seen: Set<Int> = []
        for modifier in modifiers {
            guard modifier.hasPrefix("psk"), let n = Int(modifier.dropFirst(3)), String(n) == modifier.dropFirst(3),
                  n <= messages.count, seen.insert(n).inserted
            else { throw .unknownPattern(name) }
            if n == 0 {
                messages[0].insert(.psk, at: 0)
            } else {
                messages[n - 1].append(.psk)
            }
        }
        return NoiseHandshakePattern(
            name: name, initiatorPreMessage: initiatorPre, responderPreMessage: responderPre, messages: messages,
            isOneWay: baseMessages.count == 1)
    }
}
