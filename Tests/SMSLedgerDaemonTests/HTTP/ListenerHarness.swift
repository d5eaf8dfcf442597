import RawHTTPClient
import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// A real ``HTTPListener`` on 127.0.0.1 (a free port) over a real SQLite ledger in a fresh directory.
struct ListenerHarness: Sendable {
    /// A TeleSign-shaped API key (base64 of 64 bytes), made up for these tests.
    static let apiKey = "EXAMPLETE8sTgg45yusumoN6BYsBVkh+yRJ5czgsnCehZaOYldPJdmFh6NeX8kunZ2zU1YWaUw/0wV6xfw=="
    static let bearerToken = "test-bearer-token-0123456789"

    let listener: HTTPListener
    let store: SQLiteLedgerStore
    let port: Int
    let directory: URL
    let signer: TeleSignSignature

    /// - Parameters:
    ///   - listen: the `http.listen` the listener believes in (decides the token rule); it always
    ///     binds 127.0.0.1 with a free port.
    ///   - push: `[alibaba_push]` as the listener sees it.
    ///   - storeInFront: wraps the real store before the listener gets it (to inject faults).
    ///   - http: adjusts the rest of `[http]` (timeouts, connection and header limits).
    static func make(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 0), bearerToken: String? = nil,
                     maxBodyBytes: Int = 65_536, teleSignKey: String? = apiKey,
                     push: AlibabaPushSettings = AlibabaPushSettings(),
                     storeInFront: (SQLiteLedgerStore) -> any LedgerStore = { $0 },
                     http: (inout HTTPSettings) -> Void = { _ in }) async throws -> ListenerHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path,
                                          options: SQLiteLedgerOptions(synchronous: .normal))
        var settings = HTTPSettings()
        settings.listen = listen
        settings.bearerToken = bearerToken.map { Secret($0) }
        settings.maxBodyBytes = maxBodyBytes
        http(&settings)
        var logger = Logger(label: "smsledger.http.test")
        logger.logLevel = .critical
        let listener = HTTPListener(settings: settings, teleSignKey: teleSignKey.map { Secret($0) }, push: push,
                                    store: storeInFront(store),
                                    firstCheckDelay: 900, logger: logger,
                                    bindAddress: ListenAddress(host: "127.0.0.1", port: 0))
        let port = try await listener.start()
        let signer = try #require(TeleSignSignature(base64Key: apiKey))
        return ListenerHarness(listener: listener, store: store, port: port, directory: directory, signer: signer)
    }

    /// Makes a harness, runs `body` with it, and always stops the listener and removes the ledger.
    static func run(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 0), bearerToken: String? = nil,
                    maxBodyBytes: Int = 65_536, teleSignKey: String? = apiKey,
                    push: AlibabaPushSettings = AlibabaPushSettings(),
                    storeInFront: (SQLiteLedgerStore) -> any LedgerStore = { $0 },
                    http: (inout HTTPSettings) -> Void = { _ in },
                    _ body: (ListenerHarness) async throws -> Void) async throws {
        let harness = try await make(listen: listen, bearerToken: bearerToken, maxBodyBytes: maxBodyBytes,
                                     teleSignKey: teleSignKey, push: push, storeInFront: storeInFront, http: http)
        do {
            try await body(harness)
        } catch {
            await harness.cleanUp()
            throw error
        }
        await harness.cleanUp()
    }

    func cleanUp() async {
        await listener.stop()
        await store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Requests

    /// POSTs a callback signed with the test key in `header`, unless `signature` overrides the value
    /// (`""` sends no signature header at all).
    func callback(_ body: String, header: String = "Authorization", signature: String? = nil,
                  path: String = "/callbacks/telesign") async throws -> RawResponse {
        let value = signature ?? "TSA test-customer:" + signer.signature(for: Data(body.utf8))
        let headers = value.isEmpty ? [] : [(header, value)]
        return try await RawHTTP.send(port: port, method: "POST", target: path,
                                           headers: headers + [("Content-Type", "application/json")], body: body)
    }

    func postSends(_ body: String, authorization: String? = nil) async throws -> RawResponse {
        var headers = [("Content-Type", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        return try await RawHTTP.send(port: port, method: "POST", target: "/v1/sends", headers: headers, body: body)
    }

    // MARK: Ledger

    func counts() async throws -> LedgerCounts {
        try await store.counts()
    }

    func receipts(bizId: String) async throws -> [StoredReceipt] {
        try await store.receipts(LedgerQuery(bizId: bizId))
    }

    func send(_ provider: Provider = .telesign, bizId: String) async throws -> TrackedSend? {
        try await store.sends(LedgerQuery(bizId: bizId, provider: provider)).first
    }
}

/// Callback bodies in the provider's shape.
enum CallbackBodies {
    static func status(reference: String, code: Int, updatedOn: String = "2026-11-23T08:00:00.000000Z",
                       external: String = "order-1", description: String = "as reported") -> String {
        """
        {"reference_id":"\(reference)","external_id":"\(external)",\
        "status":{"updated_on":"\(updatedOn)","code":\(code),"description":"\(description)"}}
        """
    }
}
