import Dispatch
import Synchronization
@testable import Syndicate
import Testing

/// An account's waiter (a paused source, such as a relay session's reads) is resumed once the
/// debt is down to half the limit, and never left waiting when the debt came down meanwhile.
@Suite struct AccountTests {
    @Test func aWaiterIsResumedWhenTheDebtIsDownToHalf() {
        let account = Account(limit: 10)
        let resumed = Atomic<Int>(0)
        #expect(!account.whenCleared { resumed.add(1, ordering: .relaxed) }, "no debt: go on now")
        account.borrow(8)
        #expect(account.whenCleared { resumed.add(1, ordering: .relaxed) })
        account.repay(2)
        let afterTwo = resumed.load(ordering: .relaxed)
        #expect(afterTwo == 0, "6 of 10 is still more than half")
        account.repay(1)
        let afterThree = resumed.load(ordering: .relaxed)
        #expect(afterThree == 1)
        account.repay(5)
        let afterAll = resumed.load(ordering: .relaxed)
        #expect(afterAll == 1, "resumed once")
    }

    @Test func aCancelledWaiterIsNotResumed() {
        let account = Account(limit: 10)
        let resumed = Atomic<Bool>(false)
        account.borrow(10)
        #expect(account.whenCleared { resumed.store(true, ordering: .relaxed) })
        account.cancelWaiter()
        account.repay(10)
        let wasResumed = resumed.load(ordering: .relaxed)
        #expect(!wasResumed)
    }

    /// A waiter registering while the last repayment lands on another thread: whenever
    /// `whenCleared` says it will resume, it does.
    @Test func aRepaymentRacingTheWaiterStillResumesIt() {
        let rounds = 100_000
        var stranded = 0
        for _ in 0..<rounds {
            let account = Account(limit: 10)
            account.borrow(10)
            let resumed = DispatchSemaphore(value: 0)
            let willResume = Atomic<Bool>(false)
            DispatchQueue.concurrentPerform(iterations: 2) { side in
                if side == 0 {
                    willResume.store(account.whenCleared { resumed.signal() }, ordering: .relaxed)
                } else {
                    account.repay(10)
                }
            }
            if willResume.load(ordering: .relaxed) && resumed.wait(timeout: .now() + 1) == .timedOut { stranded += 1 }
        }
        #expect(stranded == 0, "\(stranded) of \(rounds) waiters were never resumed")
    }
}
