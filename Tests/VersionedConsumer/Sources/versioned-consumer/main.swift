import Foundation
import Preserves
import Syndicate
import SyndicateProtocols
import VersionedSchemas

// A generated type round-trips through both syntaxes.
let note = Notes.Note(title: "hello", words: ["from", "a", "versioned", "dependency"])
let text = note.preserves.description
let parsed = try Notes.Note(preserves: try IOValue(text: text))
let binary = try Notes.Note(preserves: try IOValue(binary: BinaryWriter<IOEmbedded>().encode(note.preserves)))
let pinned = try Notes.Pinned<IOEmbedded>(preserves: try IOValue(text: #"<pinned <note "t" []> <ref {oid: "x" sig: #x"00"}> <lit 1>>"#))
guard parsed == note, binary == note, pinned.note == Notes.Note(title: "t", words: []) else {
    print("versioned consumer: round trip failed")
    exit(1)
}

// The runtime works: a dataspace hands an observer the note asserted into it.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var value: AnyValue?
    func set(_ v: AnyValue) { lock.withLock { value = v } }
    var get: AnyValue? { lock.withLock { value } }
}
let seen = Seen()
SyndicateActor.boot(name: "consumer") { turn in
    let ds = turn.createDataspace()
    turn.onMessage(ds, Pattern.rec("note", Pattern.bind(), Pattern.discard)) { _, captures in seen.set(captures[0]) }
    turn.sync(ds) { turn in turn.message(ds, note.preserves(as: Ref.self)) }
}
let deadline = Date(timeIntervalSinceNow: 10)
while seen.get == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
guard seen.get == .string("hello") else {
    print("versioned consumer: the dataspace did not deliver the note")
    exit(1)
}
print("versioned consumer: \(text) round-tripped and was delivered through a dataspace")
