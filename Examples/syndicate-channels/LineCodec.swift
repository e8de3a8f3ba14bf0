import Foundation
import Preserves
import SwiftProtobuf
import SyndicateChannels

/// The codecs the command line offers. Items are JSON values, one per line.
enum CodecName: String, CaseIterable, Sendable {
    case json, protobuf, bincode, preserves, raw
}

/// Carries one JSON value (as compact text) in the chosen codec:
/// - `json`: the JSON text itself, as serde_json would write it;
/// - `protobuf`: a `google.protobuf.Value` (so any JSON value fits);
/// - `bincode`: a Rust `String` holding the JSON text;
/// - `preserves`: a Preserves string holding the JSON text;
/// - `raw`: the line's bytes.
struct LineCodec: ChannelCodec {
    let name: CodecName

    func encode(_ line: String) throws(ChannelError) -> [UInt8] {
        switch name {
        case .json, .raw: return Array(line.utf8)
        case .protobuf:
            do { return try Google_Protobuf_Value(jsonString: line).serializedBytes() } catch {
                throw .codec("not a JSON value for protobuf: \(error)")
            }
        case .bincode: return try BincodeCodec<String>().encode(line)
        case .preserves: return Value<Never>.string(line).binary()
        }
    }

    func decode(_ payload: [UInt8]) throws(ChannelError) -> String {
        switch name {
        case .json, .raw:
            guard let text = String(validating: payload, as: UTF8.self) else { throw .codec("payload is not UTF-8") }
            return text
        case .protobuf:
            do { return try Google_Protobuf_Value(serializedBytes: payload).jsonString() } catch {
                throw .codec("protobuf: \(error)")
            }
        case .bincode: return try BincodeCodec<String>().decode(payload)
        case .preserves:
            do {
                guard let text = try Value<Never>(binary: payload).string else { throw ChannelError.codec("not a Preserves string") }
                return text
            } catch let error as ChannelError { throw error } catch { throw .codec("Preserves: \(error)") }
        }
    }
}

/// JSON text with the whitespace between tokens removed, or nil if it is not one JSON value.
func compactJSON(_ line: String) -> String? {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty,
          (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed])) != nil
    else { return nil }
    var out = ""
    var inString = false
    var escaped = false
    for character in trimmed {
        if inString {
            out.append(character)
            if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
        } else if character == "\"" {
            inString = true
            out.append(character)
        } else if !character.isWhitespace {
            out.append(character)
        }
    }
    return out
}

/// A JSON string literal for `text`.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
