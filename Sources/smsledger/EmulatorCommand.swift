import AlicomEmulator
import ArgumentParser
import Dispatch
import Foundation

/// `smsledger emulator`: the local Alibaba stand-in as a process, for demos, the Python interop
/// tests and end-to-end runs of the daemon.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local emulator of Alibaba Cloud MNS, Dybaseapi and Dysmsapi on one port.",
        discussion: """
            Serves RPC (QueryTokenForMnsQueue, SendSms, QuerySendDetails) on '/', MNS queue operations on \
            '/queues/<name>/messages', and an unsigned admin interface on '/_emulator/' (queues, faults, \
            sends, smsup, push, reset). Signatures, tokens and clock skew are checked as the services do.
            With --push-sms-report / --push-sms-up, receipts / replies are POSTed to that URL as JSON \
            arrays (Alibaba's HTTP batch push) instead of entering the MNS queue.
            Prints 'emulator listening on http://HOST:PORT' once listening; stops on SIGTERM or SIGINT.
            """)

    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT (port 0 picks a free port).", valueName: "host:port"))
    var listen = "127.0.0.1:0"

    @Flag(help: "Allow listening on an address other than loopback (the admin interface is unauthenticated).")
    var allowNonLoopback = false

    @Option(help: "The long-term AccessKeyId clients sign with.")
    var accessKeyId: String

    @Option(help: "The secret of --access-key-id.")
    var accessKeySecret: String

    @Option(help: "Account uid: queues Alicom-Queue-<uid>-SmsReport and -SmsUp exist.")
    var accountUid = "1234567890123456"

    @Option(help: "Lifetime of tokens from QueryTokenForMnsQueue, in seconds.")
    var tokenLifetime: Double = 600

    @Option(help: "Queue visibility timeout for received messages, in seconds.")
    var visibilityTimeout: Double = 30

    @Option(help: "Seconds between SendSms and its delivery receipt.")
    var receiptDelay: Double = 2

    @Option(help: "Share (0-1) of recipients whose SMS fails.")
    var failureShare: Double = 0.1

    @Option(help: "Share (0-1) of receipts that never reach the SmsReport queue (QuerySendDetails still knows them).")
    var withholdShare: Double = 0

    @Option(help: "Largest accepted clock difference in Timestamp/Date, in seconds.")
    var clockSkew: Double = 900

    @Option(help: "Seed for outcome mixes and fault draws, for reproducible runs.")
    var seed: UInt64?

    @Option(help: "Preload the SmsReport queue with this many generated receipts.")
    var preloadReports = 0

    @Option(help: ArgumentHelp("Push SmsReport receipts to this http(s) URL as JSON arrays instead of the MNS queue.",
                               valueName: "url"))
    var pushSmsReport: String?

    @Option(help: ArgumentHelp("Push SmsUp replies to this http(s) URL as JSON arrays instead of the MNS queue.",
                               valueName: "url"))
    var pushSmsUp: String?

    @Option(help: "Seconds before a push the receiver did not accept is tried again (Alibaba: minutes).")
    var pushRetrySeconds: Double = 120

    @Flag(help: "Put pushed receipts and replies into the MNS queues as well (a customer migrating between channels).")
    var pushAlsoQueue = false

    func validate() throws {
        guard let (host, port) = Self.split(listen), (0...65_535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
        }
        guard allowNonLoopback || Self.isLoopback(host) else {
            throw ValidationError("--listen \(host) is not a loopback address; pass --allow-non-loopback to expose it")
        }
        for (name, share) in [("--failure-share", failureShare), ("--withhold-share", withholdShare)]
        where !(0...1).contains(share) {
            throw ValidationError("\(name) must be between 0 and 1")
        }
        guard tokenLifetime > 0, visibilityTimeout >= 0, receiptDelay >= 0, clockSkew > 0, preloadReports >= 0,
              pushRetrySeconds >= 0 else {
            throw ValidationError("durations must be positive")
        }
        for (name, url) in [("--push-sms-report", pushSmsReport), ("--push-sms-up", pushSmsUp)] {
            if let url, !PushSettings.isHTTPURL(url) {
                throw ValidationError("\(name) must be an http:// or https:// URL, not \(url)")
            }
        }
    }

    func run() async throws {
        guard let (host, port) = Self.split(listen) else { throw ExitCode.validationFailure }
        let emulator = AlicomEmulator(configuration: EmulatorConfiguration(
            host: host, port: port, accessKeyId: accessKeyId, accessKeySecret: accessKeySecret,
            accountUID: accountUid, tokenLifetime: tokenLifetime, visibilityTimeout: visibilityTimeout,
            clockSkewTolerance: clockSkew,
            sms: .init(receiptDelay: receiptDelay, failureShare: failureShare, withholdShare: withholdShare),
            randomSeed: seed,
            push: PushSettings(smsReportURL: pushSmsReport, smsUpURL: pushSmsUp,
                               retryDelayMillis: Int(pushRetrySeconds * 1000), alsoQueue: pushAlsoQueue)))
        let signals = Self.terminationSignals()
        let bound = try await emulator.start()
        if preloadReports > 0 { emulator.enqueueGenerated(queue: emulator.smsReportQueue, count: preloadReports) }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        FileHandle.standardOutput.write(Data("emulator listening on http://\(shownHost):\(bound)\n".utf8))
        for await _ in signals.stream { break }
        signals.sources.forEach { $0.cancel() }
        await emulator.shutdown()
    }

    /// SIGTERM and SIGINT as an async stream. The default actions are ignored so the process lives
    /// until the stream delivers and the emulator has shut down; then `run` returns and we exit 0.
    private static func terminationSignals() -> (stream: AsyncStream<Int32>, sources: [any DispatchSourceSignal]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        return (stream, sources)
    }

    static func split(_ listen: String) -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            return nil
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
