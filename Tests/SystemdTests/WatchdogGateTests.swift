import Testing
import Systemd

@Suite("WatchdogGate: ping only while every component makes progress")
struct WatchdogGateTests {
    let start = ContinuousClock.now

    @Test func withNoComponentsThePingIsSent() {
        #expect(WatchdogGate().shouldPing(now: start))
    }

    @Test func aComponentThatBeatsWithinItsAllowanceKeepsThePingGoing() {
        var gate = WatchdogGate()
        gate.register("poller.report", maxSilence: .seconds(45), now: start)
        gate.beat("poller.report", now: start + .seconds(40))
        #expect(gate.shouldPing(now: start + .seconds(80)))
    }

    @Test func aLongPollWithinTheAllowanceCountsAsAlive() {
        var gate = WatchdogGate()
        gate.register("poller.report", maxSilence: .seconds(45), now: start)
        // Beat, then a 30 s long poll plus a slow round trip.
        gate.beat("poller.report", now: start + .seconds(1))
        #expect(gate.shouldPing(now: start + .seconds(44)))
    }

    @Test func aWedgedComponentStopsThePing() {
        var gate = WatchdogGate()
        gate.register("poller.report", maxSilence: .seconds(45), now: start)
        gate.register("poller.up", maxSilence: .seconds(45), now: start)
        gate.beat("poller.report", now: start + .seconds(40))
        #expect(!gate.shouldPing(now: start + .seconds(46)))
        #expect(gate.silentComponents(now: start + .seconds(46)) == ["poller.up"])
    }

    @Test func eachComponentHasItsOwnAllowance() {
        var gate = WatchdogGate()
        gate.register("poller", maxSilence: .seconds(45), now: start)
        gate.register("compensator", maxSilence: .seconds(600), now: start)
        #expect(gate.silentComponents(now: start + .seconds(100)) == ["poller"])
    }

    @Test func aBeatRevivesASilentComponent() {
        var gate = WatchdogGate()
        gate.register("poller", maxSilence: .seconds(45), now: start)
        #expect(!gate.shouldPing(now: start + .seconds(50)))
        gate.beat("poller", now: start + .seconds(51))
        #expect(gate.shouldPing(now: start + .seconds(52)))
    }

    @Test func aBeatFromAnUnknownComponentIsIgnored() {
        var gate = WatchdogGate()
        gate.register("poller", maxSilence: .seconds(45), now: start)
        let accepted = gate.beat("pollr", now: start + .seconds(40))
        #expect(!accepted)
        #expect(!gate.shouldPing(now: start + .seconds(50)))
    }

    @Test func anUnregisteredComponentNoLongerBlocksThePing() {
        var gate = WatchdogGate()
        gate.register("poller", maxSilence: .seconds(45), now: start)
        gate.unregister("poller")
        #expect(gate.shouldPing(now: start + .seconds(100)))
        #expect(gate.registered.isEmpty)
    }
}

@Suite("WatchdogMonitor")
struct WatchdogMonitorTests {
    /// A clock the test moves by hand.
    final class ManualTime: Sendable {
        let start = ContinuousClock.now
        private let offset = Counter()
        func advance(_ seconds: Int) { offset.add(seconds) }
        var now: ContinuousClock.Instant { start + .seconds(offset.value) }
    }

    @Test func usesTheInjectedClock() {
        let time = ManualTime()
        let monitor = WatchdogMonitor(now: { time.now })
        monitor.register("poller", maxSilence: .seconds(45))
        time.advance(40)
        monitor.beat("poller")
        time.advance(40)
        #expect(monitor.shouldPing())
        time.advance(10)
        #expect(!monitor.shouldPing())
        #expect(monitor.silentComponents() == ["poller"])
    }

    @Test func theLoopWithholdsPingsWhileAComponentIsWedged() async {
        let time = ManualTime()
        let monitor = WatchdogMonitor(now: { time.now })
        monitor.register("poller", maxSilence: .seconds(45))
        time.advance(46)
        let pings = Counter(), withheld = Counter()
        let loop = Task {
            await monitor.run(period: .milliseconds(1), ping: { pings.add(1) }, withheld: { silent in
                if silent == ["poller"] { withheld.add(1) }
            })
        }
        while withheld.value < 3 { await Task.yield() }
        loop.cancel()
        await loop.value
        #expect(pings.value == 0)
    }

    @Test func theLoopPingsWhileEveryComponentIsAlive() async {
        let monitor = WatchdogMonitor()
        monitor.register("poller", maxSilence: .seconds(3600))
        let pings = Counter(), withheld = Counter()
        let loop = Task {
            await monitor.run(period: .milliseconds(1), ping: { pings.add(1) }, withheld: { _ in withheld.add(1) })
        }
        while pings.value < 3 { await Task.yield() }
        loop.cancel()
        await loop.value
        #expect(withheld.value == 0)
    }
}
