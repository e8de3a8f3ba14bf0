import Foundation
import Preserves
import Syndicate
import SyndicateServer
import Testing

/// Scripts run against real dataspaces in-process; the tests watch what appears in them.
@Suite struct ConfigScriptBehaviourTests {
    static let canonical = """
        let ?root_ds = dataspace
        <require-service <relay-listener <tcp "0.0.0.0" 9001> $gatekeeper>>
        <bind <ref { oid: "syndicate" key: #x"" }> $root_ds #f>
        $root_ds ? <Present ?who> [ $config <seen $who> ]
        $root_ds ?? <Says ?who ?what> $log ! <log-said $who $what>
        """

    @Test func canonicalExample() async throws {
        let world = try await ScriptWorld.start(Self.canonical, places: ["gatekeeper", "log"])
        let service = try await world.log.record("require-service")
        let listener = try #require(service.fields.first?.record)
        #expect(listener.label == .symbol("relay-listener"))
        #expect(listener.fields[0] == .record(Record(label: .symbol("tcp"), fields: [.string("0.0.0.0"), .integer(9001)])))
        #expect(capability(listener.fields[1]) == world.refs["gatekeeper"])

        let bind = try await world.log.record("bind")
        #expect(bind.fields.count == 3)
        let expectedRef: AnyValue = .record(Record(label: .symbol("ref"), fields: [
            .dictionary([.symbol("oid"): .string("syndicate"), .symbol("key"): .byteString([])]),
        ]))
        #expect(bind.fields[0] == expectedRef)
        #expect(bind.fields[2] == .boolean(false))
        let root = try #require(capability(bind.fields[1]))

        // `?`: a presence in root_ds is reflected in config, and withdrawn with it.
        let alice = ScriptWorld.peer { turn in turn.assert(root, .record(Record(label: .symbol("Present"), fields: [.string("alice")]))) }
        #expect(await world.log.wait(for: "config +<seen \"alice\">"))
        alice.run { $0.stopActor() }
        #expect(await world.log.wait(for: "config -<seen \"alice\">"))

        // `??`: a message in root_ds becomes a message to $log.
        ScriptWorld.peer { turn in
            turn.message(root, .record(Record(label: .symbol("Says"), fields: [.string("bob"), .string("hi")])))
            turn.stopActor()
        }
        #expect(await world.log.wait(for: "log !<log-said \"bob\" \"hi\">"))
    }

    @Test func assertionsLiveAsLongAsTheFacet() async throws {
        let world = try await ScriptWorld.start("<hello 1> {greeting: \"hi\"}")
        #expect(await world.log.wait(for: "config +<hello 1>"))
        #expect(await world.log.wait(for: "config +{greeting: \"hi\"}"))
        world.stopScript()
        #expect(await world.log.wait(for: "config -<hello 1>"))
        #expect(await world.log.wait(for: "config -{greeting: \"hi\"}"))
    }

    @Test func bodiesInheritTheTarget() async throws {
        let world = try await ScriptWorld.start("""
            $other ? <trigger ?n> <inherited $n>
            $other <trigger 1>
            """, places: ["other"])
        #expect(await world.log.wait(for: "other +<inherited 1>"))
        #expect(!world.log.lines.contains("config +<inherited 1>"))
    }

    @Test func retargetingWithDollarVariables() async throws {
        let world = try await ScriptWorld.start("""
            $other <one>
            $other [ <two> <three> ]
            <four>
            $other $config <five>
            """, places: ["other"])
        for line in ["other +<one>", "other +<two>", "other +<three>", "config +<four>", "config +<five>"] {
            #expect(await world.log.wait(for: line), "\(line)")
        }
        #expect(!world.log.lines.contains("config +<one>"))
        #expect(!world.log.lines.contains("other +<four>"))
        #expect(!world.log.lines.contains("other +<five>"))
    }

    @Test func commentsAndAnnotationsAreIgnored() async throws {
        let world = try await ScriptWorld.start("""
            # The configuration.
            @"documented" <annotated 1>
            <plain 2> # trailing comment
            """)
        #expect(await world.log.wait(for: "config +<annotated 1>"))
        #expect(await world.log.wait(for: "config +<plain 2>"))
    }

    @Test func plusEqualsAssertsAnyValue() async throws {
        let world = try await ScriptWorld.start("+= \"text\" += 42 += [1 2] += <r>")
        for line in ["config +\"text\"", "config +42", "config +[1 2]", "config +<r>"] {
            #expect(await world.log.wait(for: line), "\(line)")
        }
    }

    @Test func bangSendsMessages() async throws {
        let world = try await ScriptWorld.start("! <ping 1> $out ! \"plain\"", places: ["out"])
        #expect(await world.log.wait(for: "config !<ping 1>"))
        #expect(await world.log.wait(for: "out !\"plain\""))
        #expect(!world.log.lines.contains("config +<ping 1>"))
    }

    @Test func duringBindsCapturesAndStopsOnRetraction() async throws {
        let world = try await ScriptWorld.start("""
            $in ? <item ?name <?where <at _ _>>> [
              $config <found $name $where>
              ?- $out ! <lost $name>
            ]
            """, places: ["in", "out"])
        let input = try #require(world.refs["in"])
        let peer = ScriptWorld.peer { turn in
            turn.assert(input, .record(Record(label: .symbol("item"), fields: [
                .string("key"), .record(Record(label: .symbol("at"), fields: [.integer(3), .integer(4)])),
            ])))
            // Does not match: the subpattern wants an <at _ _> record.
            turn.assert(input, .record(Record(label: .symbol("item"), fields: [.string("cup"), .string("nowhere")])))
        }
        #expect(await world.log.wait(for: "config +<found \"key\" <at 3 4>>"))
        peer.run { $0.stopActor() }
        #expect(await world.log.wait(for: "config -<found \"key\" <at 3 4>>"))
        #expect(await world.log.wait(for: "out !<lost \"key\">"))
        #expect(!world.log.lines.contains { $0.hasPrefix("config") && $0.contains("cup") })
    }

    @Test func onMessageRunsTheBodyPerMessage() async throws {
        let world = try await ScriptWorld.start("""
            $in ?? <note ?n> [ $out ! <noted $n> $config <heard $n> ]
            """, places: ["in", "out"])
        let input = try #require(world.refs["in"])
        ScriptWorld.peer { turn in
            for n in 1...3 { turn.message(input, .record(Record(label: .symbol("note"), fields: [.integer(SignedInteger(n))]))) }
            turn.stopActor()
        }
        for n in 1...3 { #expect(await world.log.wait(for: "out !<noted \(n)>")) }
        // The assertion lives in the body's facet, which stays up (it is not inert).
        // (Bodies inherit the target of `$in`, hence the explicit `$config`.)
        #expect(await world.log.wait(for: "config +<heard 3>"))
    }

    @Test func letBindsAndMatches() async throws {
        let world = try await ScriptWorld.start("""
            let <point ?x ?y> = <point 1 2>
            let ?whole = [$x $y]
            <got $x $y $whole>
            let { name: ?n } = { name: "zed" age: 9 }
            <named $n>
            """)
        #expect(await world.log.wait(for: "config +<got 1 2 [1 2]>"))
        #expect(await world.log.wait(for: "config +<named \"zed\">"))
    }

    @Test func letMismatchIsAPositionedError() async throws {
        do {
            _ = try await ScriptWorld.start("<fine>\n  let <point ?x> = <line 1>\n", file: "bad-let.pr")
            Issue.record("expected the script to fail")
        } catch let failure as ScriptRunFailure {
            let error = try #require(failure.error)
            #expect(error.file == "bad-let.pr")
            #expect(error.line == 2 && error.column == 3)
            #expect(error.description.hasPrefix("bad-let.pr:2:3: "))
        }
    }

    @Test func letBindingsAreScopedToTheirBlock() async throws {
        let world = try await ScriptWorld.start("""
            let ?x = 1
            [ let ?x = 2 <inner $x> ]
            <outer $x>
            """)
        #expect(await world.log.wait(for: "config +<inner 2>"))
        #expect(await world.log.wait(for: "config +<outer 1>"))
    }

    @Test func conditionalMatchRunsOneBranch() async throws {
        let world = try await ScriptWorld.start("""
            let ?good = <ok 5>
            let ?bad = <error "no">
            [ $good =~ <ok ?n> <matched $n> <unmatched good> ]
            [ $bad =~ <ok ?n> <matched $n> <unmatched bad> <also bad> ]
            """)
        #expect(await world.log.wait(for: "config +<matched 5>"))
        #expect(await world.log.wait(for: "config +<unmatched bad>"))
        #expect(await world.log.wait(for: "config +<also bad>"))
        #expect(!world.log.lines.contains("config +<unmatched good>"))
    }

    @Test func facetCapabilityAndOnStop() async throws {
        let world = try await ScriptWorld.start("""
            let ?f = facet
            <handle $f>
            ?- $out ! <bye>
            """, places: ["out"])
        let handle = try await world.log.record("handle")
        let f = try #require(capability(handle.fields[0]))
        #expect(!world.log.lines.contains("out !<bye>"))
        ScriptWorld.peer { turn in
            turn.message(f, .symbol("stop"))
            turn.stopActor()
        }
        #expect(await world.log.wait(for: "out !<bye>"))
        #expect(await world.log.wait { $0.contains { $0.kind == "-" && $0.description.hasPrefix("config -<handle") } })
    }

    @Test func attenuationRejectsWhatTheCaveatForbids() async throws {
        let world = try await ScriptWorld.start("""
            let ?inner = dataspace
            let ?limited = <* $inner [<reject <Secret _>>]>
            <cap $limited>
            $inner ? <Secret ?x> $config <saw-secret $x>
            $inner ? <Public ?x> $config <saw-public $x>
            """)
        let cap = try await world.log.record("cap")
        let limited = try #require(capability(cap.fields[0]))
        ScriptWorld.peer { turn in
            turn.assert(limited, .record(Record(label: .symbol("Secret"), fields: [.integer(1)])))
            turn.assert(limited, .record(Record(label: .symbol("Public"), fields: [.integer(2)])))
        }
        #expect(await world.log.wait(for: "config +<saw-public 2>"))
        try await Task.sleep(for: .milliseconds(50))
        #expect(!world.log.lines.contains { $0.contains("saw-secret") })
    }

    @Test func attenuationRewritesAndAlternatives() async throws {
        let world = try await ScriptWorld.start("""
            let ?inner = dataspace
            let ?tag = "via-cap"
            let ?rewriting = <* $inner [<rewrite <req ?x> <wrapped $x $tag>>]>
            let ?either = <* $inner [<or [<accept <a _>> <rewrite <b ?y> <bb $y>>]>]>
            <caps $rewriting $either>
            $inner ? <wrapped ?x ?t> $config <saw-wrapped $x $t>
            $inner ? <a ?x> $config <saw-a $x>
            $inner ? <bb ?x> $config <saw-bb $x>
            $inner ? <c ?x> $config <saw-c $x>
            """)
        let caps = try await world.log.record("caps")
        let rewriting = try #require(capability(caps.fields[0]))
        let either = try #require(capability(caps.fields[1]))
        ScriptWorld.peer { turn in
            turn.assert(rewriting, .record(Record(label: .symbol("req"), fields: [.integer(7)])))
            turn.assert(either, .record(Record(label: .symbol("a"), fields: [.integer(1)])))
            turn.assert(either, .record(Record(label: .symbol("b"), fields: [.integer(2)])))
            turn.assert(either, .record(Record(label: .symbol("c"), fields: [.integer(3)])))
        }
        #expect(await world.log.wait(for: "config +<saw-wrapped 7 \"via-cap\">"))
        #expect(await world.log.wait(for: "config +<saw-a 1>"))
        #expect(await world.log.wait(for: "config +<saw-bb 2>"))
        try await Task.sleep(for: .milliseconds(50))
        #expect(!world.log.lines.contains { $0.contains("saw-c") })
    }

    @Test func allBindingsDictionary() async throws {
        let world = try await ScriptWorld.start("let ?x = 1 let ?y = \"two\" <all $.>")
        let all = try await world.log.record("all")
        let dict = try #require(all.fields[0].dictionary)
        #expect(dict[.symbol("x")] == .integer(1))
        #expect(dict[.symbol("y")] == .string("two"))
        #expect(capability(dict[.symbol("config")] ?? .boolean(false)) == world.refs["config"])
    }

    @Test func stringifyJoinAndTimestamp() async throws {
        let world = try await ScriptWorld.start("""
            let ?s = stringify <a 1 "b">
            let ?j = join ", " ["a" b 3]
            let ?t = timestamp
            let ?n = stringify join "-" ["x" "y"]
            <s $s> <j $j> <t $t> <n $n> <escaped =_ =?x =$y>
            """)
        #expect(await world.log.wait(for: #"config +<s "<a 1 \"b\">">"#))
        #expect(await world.log.wait(for: #"config +<j "a, b, 3">"#))
        #expect(await world.log.wait(for: #"config +<n "\"x-y\"">"#))
        #expect(await world.log.wait(for: "config +<escaped _ ?x $y>"))
        let t = try await world.log.record("t")
        guard case .string(let stamp) = try #require(t.fields.first) else {
            Issue.record("timestamp is not a string")
            return
        }
        #expect(stamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/) != nil, "\(stamp)")
    }

    @Test func scriptdirIsTheDirectoryOfTheScriptsFile() async throws {
        let world = try await ScriptWorld.start("""
            let ?d = scriptdir
            <dir $d>
            """, file: "/etc/syndicate/core/boot.pr")
        #expect(await world.log.wait(for: #"config +<dir "/etc/syndicate/core">"#))
    }

    @Test func literalVariableInPattern() async throws {
        let world = try await ScriptWorld.start("""
            let ?wanted = "me"
            $in ? <for $wanted ?what> $config <mine $what>
            """, places: ["in"])
        let input = try #require(world.refs["in"])
        ScriptWorld.peer { turn in
            turn.assert(input, .record(Record(label: .symbol("for"), fields: [.string("you"), .integer(1)])))
            turn.assert(input, .record(Record(label: .symbol("for"), fields: [.string("me"), .integer(2)])))
        }
        #expect(await world.log.wait(for: "config +<mine 2>"))
        try await Task.sleep(for: .milliseconds(30))
        #expect(!world.log.lines.contains("config +<mine 1>"))
    }
}
