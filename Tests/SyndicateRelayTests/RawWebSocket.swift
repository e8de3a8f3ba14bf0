import Foundation

/// A hand-written WebSocket client on a ``RawPeer``: it performs the upgrade, then sends frames
/// built byte by byte (masked or not, with any opcode and RSV bits) and parses what the server
/// sends back. Reads are bounded by timeouts.
final class RawWebSocket: @unchecked Sendable {
    struct Frame: Equatable {
        var fin: Bool
        var rsv: UInt8
        var opcode: UInt8
        var payload: [UInt8]

        /// The status code of a close frame.
        var closeCode: Int? {
            guard opcode == 0x8, payload.count >= 2 else { return nil }
            return Int(payload[0]) << 8 | Int(payload[1])
        }
    }

    enum Opcode {
        static let continuation: UInt8 = 0x0
        static let text: UInt8 = 0x1
        static let binary: UInt8 = 0x2
        static let close: UInt8 = 0x8
        static let ping: UInt8 = 0x9
        static let pong: UInt8 = 0xA
    }

    let peer: RawPeer
    /// The length of the server's HTTP response, which precedes its frames.
    private let responseLength: Int
    /// The server's HTTP response head.
    let response: String

    /// Connects and upgrades; throws if the server does not answer `101`.
    init(port: Int, timeout: TimeInterval = 10) throws {
        peer = try RawPeer(port: port)
        peer.write(Self.upgradeRequest)
        let (bytes, _) = peer.readBlocking(timeout: timeout) { Self.headEnd(in: $0) != nil }
        guard let end = Self.headEnd(in: bytes) else { throw HandshakeFailed(response: String(decoding: bytes, as: UTF8.self)) }
        responseLength = end
        response = String(decoding: bytes[..<end], as: UTF8.self)
        guard response.hasPrefix("HTTP/1.1 101") else { throw HandshakeFailed(response: response) }
    }

    static let upgradeRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

    struct HandshakeFailed: Error { var response: String }

    /// The index just past the blank line ending an HTTP head.
    static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// One frame's bytes. A masked frame uses a fixed, non-trivial key.
    static func frame(fin: Bool = true, rsv: UInt8 = 0, opcode: UInt8, payload: [UInt8] = [], masked: Bool = true) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            out.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            out.append(maskBit | 126)
            out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        if masked {
            let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
            out += key
            out += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            out += payload
        }
        return out
    }

    func send(fin: Bool = true, rsv: UInt8 = 0, opcode: UInt8, payload: [UInt8] = [], masked: Bool = true) {
        peer.write(Self.frame(fin: fin, rsv: rsv, opcode: opcode, payload: payload, masked: masked))
    }

    /// Reads until `done` holds for the frames received, the server closes, or `timeout` passes.
    func read(timeout: TimeInterval = 10, until done: @escaping @Sendable ([Frame]) -> Bool = { _ in false }) async -> (frames: [Frame], closed: Bool) {
        let responseLength = self.responseLength
        let (bytes, closed) = await peer.read(timeout: timeout) { done(Self.frames(in: Array($0.dropFirst(responseLength)))) }
        return (Self.frames(in: Array(bytes.dropFirst(responseLength))), closed)
    }

    /// Reads until the server sends a close frame and closes the connection.
    func readToClose(timeout: TimeInterval = 10) async -> (frames: [Frame], closed: Bool) {
        await read(timeout: timeout)
    }

    /// The complete (unmasked, server-to-client) frames at the start of `bytes`.
    static func frames(in bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var i = 0
        while i + 2 <= bytes.count {
            let first = bytes[i], second = bytes[i + 1]
            var length = Int(second & 0x7F)
            var header = 2
            if length == 126 {
                guard i + 4 <= bytes.count else { break }
                length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
                header = 4
            } else if length == 127 {
                guard i + 10 <= bytes.count else { break }
                length = bytes[(i + 2)..<(i + 10)].reduce(0) { $0 << 8 | Int($1) }
                header = 10
            }
            let masked = second & 0x80 != 0
            if masked { header += 4 }
            guard i + header + length <= bytes.count else { break }
            var payload = Array(bytes[(i + header)..<(i + header + length)])
            if masked {
                let key = Array(bytes[(i + header - 4)..<(i + header)])
                payload = payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
            }
            frames.append(Frame(fin: first & 0x80 != 0, rsv: (first >> 4) & 0x7, opcode: first & 0xF, payload: payload))
            i += header + length
        }
        return frames
    }
}
