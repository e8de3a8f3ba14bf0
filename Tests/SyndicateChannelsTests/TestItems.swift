import Foundation
import SwiftProtobuf
import SyndicateChannels
import Synchronization
import TestSupport

/// The item the Python peer sends and expects (`items()` in Interop/tsyncp_peer.py), as a Rust
/// struct `{ seq: u64, text: String, blob: Vec<u8>, delta: i64, note: Option<String> }` would be.
struct TestItem: Codable, Equatable, Sendable {
    var seq: UInt64
    var text: String
    var blob: [UInt8]
    var delta: Int64
    var note: String?

    enum CodingKeys: String, CodingKey { case seq, text, blob, delta, note }

    // serde writes `None` as `null` rather than leaving the field out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(text, forKey: .text)
        try container.encode(blob, forKey: .blob)
        try container.encode(delta, forKey: .delta)
        try container.encode(note, forKey: .note)
    }

    static let vectors: [TestItem] = {
        let texts = ["", "hello", "h\u{e9}llo \u{2713} \"quoted\" back\\slash", String(repeating: "x", count: 200), "end"]
        let deltas: [Int64] = [0, -1, .min, .max, 1_234_567]
        let seqs: [UInt64] = [0, 1, 300, .max, 1 << 32]
        return (0..<5).map { i in
            TestItem(seq: seqs[i], text: texts[i], blob: (0..<(i * 3)).map { UInt8($0) }, delta: deltas[i],
                     note: i % 2 == 0 ? nil : "n\(i)")
        }
    }()

    var protobuf: ChannelTestItem {
        var message = ChannelTestItem()
        message.seq = seq
        message.text = text
        message.blob = .init(blob)
        message.delta = delta
        return message
    }
}

/// The raw frame sizes the Python peer uses: the header-size boundaries and the 8 MiB limit.
enum FrameVectors {
    static let limit = VariedLengthHeader.defaultMaximumFrameLength
    static let sizes = [0, 1, 127, 128, 16383, 16384, 2_097_151, 2_097_152, limit]

    static func payload(_ count: Int) -> [UInt8] {
        if count < 4096 { return (0..<count).map { UInt8($0 % 251) } }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        let block = (0..<251).map { UInt8($0) }
        while out.count < count { out.append(contentsOf: block.prefix(count - out.count)) }
        return out
    }
}

enum PythonPeer {
    static let script = SharedMaterial.repoPath("Tests/SyndicateChannelsTests/Interop/tsyncp_peer.py")

    static func start(_ arguments: [String]) throws -> InteractiveProcess {
        try InteractiveProcess("/usr/bin/env", ["python3", script] + arguments, includeStandardError: true)
    }
}

/// A value shared between test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
