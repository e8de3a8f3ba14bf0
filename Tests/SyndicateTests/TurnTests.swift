import Preserves
import Syndicate
import Testing

@Suite struct TurnTests {
    @Test func anEntityInAStoppedFacetStillHearsRetractionsOfWhatWasAssertedToIt() async throws {
        // A facet asserting to an entity of its own (a config script observing a dataspace it
        // made): stopping the facet retracts the assertion, and the entity must hear it, or a
        // dataspace and its observer keep each other alive.
        let recorder = Recorder()
        SyndicateActor.boot(name: "owner") { turn in
            let inner = turn.facet { turn in
                let entity = turn.ref(RecordingEntity("e", recorder))
                turn.assert(entity, "held")
            }
            turn.after(.milliseconds(10)) { turn in
                turn.stop(inner)
                turn.after(.milliseconds(10)) { turn in turn.stopActor() }
            }
        }
        #expect(await recorder.wait { $0.contains(#"retract e "held""#) })
        #expect(recorder.snapshot == [#"assert e "held""#, #"retract e "held""#])
    }

    @Test func messagesFromOneActorArriveInOrder() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        SyndicateActor.boot(name: "sender") { turn in
            // Half in separate turns, half in one turn.
            for i in 0..<200 { turn.later { $0.message(target, .integer(i)) } }
            for i in 200..<400 { turn.message(target, .integer(i)) }
        }
        #expect(await recorder.wait(forCount: 400))
        let numbers = recorder.snapshot.map { Int($0.split(separator: " ").last!)! }
        // `later` turns run after the boot turn, so the in-turn batch comes first.
        #expect(numbers == Array(200..<400) + Array(0..<200))
    }

    @Test func retractionNeverOvertakesItsAssertion() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        SyndicateActor.boot(name: "sender") { turn in
            for i in 0..<50 {
                let h = turn.assert(target, .integer(i))
                if i % 2 == 0 { turn.retract(h) } else { turn.later { $0.retract(h) } }
            }
        }
        #expect(await recorder.wait(forCount: 100))
        for i in 0..<50 {
            let a = recorder.snapshot.firstIndex(of: "assert t \(i)")!
            let r = recorder.snapshot.firstIndex(of: "retract t \(i)")!
            #expect(a < r)
        }
    }

    @Test func aFailingTurnPublishesNothingAndEndsTheActor() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        let failing = SyndicateActor.boot(name: "failing") { turn in
            turn.assert(target, "kept")
            turn.later { turn in
                turn.assert(target, "never")
                turn.message(target, "never")
                turn.spawn(name: "never") { _ in recorder.add("child booted") }
                try turn.fail("deliberate")
            }
        }
        let status = await failing.terminated()
        #expect(status == .error("deliberate"))
        // The committed assertion is withdrawn when the actor dies; nothing from the failed turn appears.
        #expect(await recorder.wait { $0.contains("retract t \"kept\"") })
        try await Task.sleep(for: .milliseconds(50))
        #expect(recorder.snapshot == ["assert t \"kept\"", "retract t \"kept\""])
    }

    @Test func syncAnswersAfterEverythingSentBefore() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        let seen = Box<Int>()
        SyndicateActor.boot(name: "sender") { turn in
            for i in 0..<100 { turn.message(target, .integer(i)) }
            turn.sync(target) { _ in seen.set(recorder.snapshot.count) }
        }
        #expect(try await seen.get() == 100)
    }

    @Test func stoppingTheRootFacetEndsTheActorNormally() async throws {
        let actor = SyndicateActor.boot { turn in turn.later { $0.stopActor() } }
        #expect(await actor.terminated() == .normal)
    }
}

@Suite struct FacetTests {
    @Test func stoppingAFacetStopsChildrenFirstThenRetracts() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        SyndicateActor.boot(name: "tree") { turn in
            let outer = turn.facet { turn in
                turn.assert(target, "outer")
                turn.onStop { _ in recorder.add("stop outer") }
                turn.facet { turn in
                    turn.assert(target, "middle")
                    turn.onStop { _ in recorder.add("stop middle") }
                    turn.facet { turn in
                        turn.assert(target, "inner")
                        turn.onStop { _ in recorder.add("stop inner") }
                    }
                }
            }
            turn.later { $0.stop(outer) }
        }
        #expect(await recorder.wait { $0.filter { $0.hasPrefix("retract") }.count == 3 })
        let log = recorder.snapshot
        let stops = log.filter { $0.hasPrefix("stop") }
        #expect(stops == ["stop inner", "stop middle", "stop outer"])
        #expect(Set(log.filter { $0.hasPrefix("retract") }) == ["retract t \"outer\"", "retract t \"middle\"", "retract t \"inner\""])
    }

    @Test func inertFacetsAreStoppedAndBusyOnesAreNot() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        SyndicateActor.boot(name: "inert") { turn in
            turn.facet { turn in turn.onStop { _ in recorder.add("empty stopped") } }
            turn.facet { turn in
                turn.assert(target, "busy")
                turn.onStop { _ in recorder.add("busy stopped") }
            }
            turn.facet { turn in
                let release = turn.preventInertCheck()
                turn.onStop { _ in recorder.add("held stopped") }
                turn.after(.milliseconds(30)) { turn in
                    release()
                    turn.stop()
                }
            }
        }
        #expect(await recorder.wait { $0.contains("held stopped") })
        try await Task.sleep(for: .milliseconds(30))
        let log = recorder.snapshot
        #expect(log.contains("empty stopped"))
        #expect(!log.contains("busy stopped"))
    }

    @Test func linkedTasksEndWithTheirFacet() async throws {
        let recorder = Recorder()
        SyndicateActor.boot(name: "timers") { turn in
            var ticks = 0
            turn.facet { turn in
                turn.every(.milliseconds(5)) { turn in
                    ticks += 1
                    recorder.add("tick")
                    if ticks == 3 {
                        turn.stop()
                        recorder.add("stopped")
                    }
                }
            }
        }
        #expect(await recorder.wait { $0.contains("stopped") })
        // The timer died with its facet: no tick after the stop.
        try await Task.sleep(for: .milliseconds(100))
        #expect(recorder.snapshot == ["tick", "tick", "tick", "stopped"])
    }
}

@Suite struct DataflowTests {
    @Test func blocksRerunToAFixpointBeforeCommit() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        SyndicateActor.boot(name: "dataflow") { turn in
            let a = turn.field(1)
            let b = turn.field(0)
            try turn.dataflow { _ in b.value = a.value * 10 }
            var handle: Handle?
            try turn.dataflow { turn in handle = turn.replace(handle, target, .integer(b.value)) }
            turn.later { _ in
                a.value = 2
                a.value = 3  // only the final value is published
            }
        }
        #expect(await recorder.wait { $0.contains("assert t 30") })
        try await Task.sleep(for: .milliseconds(20))
        #expect(recorder.snapshot == ["assert t 10", "assert t 30", "retract t 10"])
    }
}

@Suite struct LinkAndSupervisionTests {
    @Test func aLinkedChildsFailureStopsTheParentFacet() async throws {
        let recorder = Recorder()
        SyndicateActor.boot(name: "parent") { turn in
            turn.facet { turn in
                turn.onStop { _ in recorder.add("parent facet stopped") }
                turn.spawnLink(name: "child") { turn in
                    turn.after(.milliseconds(10)) { turn in try turn.fail("child crash") }
                }
            }
        }
        #expect(await recorder.wait { $0.contains("parent facet stopped") })
    }

    @Test func stoppingTheParentFacetStopsALinkedChild() async throws {
        let child = Box<SyndicateActor>()
        SyndicateActor.boot(name: "parent") { turn in
            let f = turn.facet { turn in
                child.set(turn.spawnLink(name: "child") { turn in turn.onStop { _ in } ; _ = turn.preventInertCheck() })
            }
            turn.after(.milliseconds(20)) { $0.stop(f) }
        }
        #expect(await (try await child.get()).terminated() == .normal)
    }

    @Test func supervisorRestartsWithinIntensityThenGivesUp() async throws {
        let recorder = Recorder()
        SyndicateActor.boot(name: "supervisor") { turn in
            Supervisor.start(turn, name: "flaky", policy: .onErrorOnly, maxRestarts: 2, within: .seconds(10),
                             onState: { _, state in recorder.add("\(state)") }) { turn in
                recorder.add("boot")
                turn.after(.milliseconds(5)) { turn in try turn.fail("flaky") }
            }
        }
        #expect(await recorder.wait { $0.contains { $0.hasPrefix("failed") } })
        let log = recorder.snapshot
        #expect(log.filter { $0 == "boot" }.count == 3)
        #expect(log.first == "started")
        #expect(log.contains("restarting(attempt: 1)") && log.contains("restarting(attempt: 2)"))
    }

    @Test func supervisionCompletesWhenTheChildEndsNormally() async throws {
        let recorder = Recorder()
        SyndicateActor.boot(name: "supervisor") { turn in
            Supervisor.start(turn, name: "job", onState: { _, state in recorder.add("\(state)") }) { turn in
                turn.after(.milliseconds(5)) { $0.stopActor() }
            }
        }
        #expect(await recorder.wait { $0.contains("complete") })
    }
}
