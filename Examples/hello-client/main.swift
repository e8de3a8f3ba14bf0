// A client of the broker on the async API: connects, asserts a typed `Greeting` (generated from
// hello.prs by the build plugin), receives it back from the dataspace, retracts it by cancelling
// the task that holds it, sees the retraction, and exits 0.
//
//     swift run syndicate-server -p 9001 &
//     swift run hello-client [PORT]
import Foundation
import SyndicateNIO
import SyndicateProtocols

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 9001

do {
    try await SyndicateClient.withConnection(to: .tcp(host: "127.0.0.1", port: port)) { client in
        let greetings = try await client.assertions(matching: Hello.Greeting.pattern(from: .literal("swift")))
        let holder = Task { try await client.hold(Hello.Greeting(from: "swift", text: "hello")) }
        for try await event in greetings {
            switch event {
            case .added(let greeting):
                print("greeting from \(greeting.from): \(greeting.text)")
                holder.cancel()
            case .removed(let greeting):
                print("retracted: greeting from \(greeting.from)")
                return
            }
        }
    }
} catch {
    print("hello-client: \(error)")
    exit(1)
}
